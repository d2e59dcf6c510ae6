/** The GitHub double's public surface for tests, benchmarks and the demo. */
export {
  startGitHubDouble,
  type GitHubDouble,
  type GitHubDoubleOptions,
  type SchemaViolation,
} from './github-double';
export type { GitHubScenario, ScenarioRepo, ScenarioPull, ScenarioStatus } from './scenario';
export { checkScenario, loadScenarioFile } from './scenario';
export { generateScenario, syntheticSha, type GenerateScenarioOptions } from './scenario-generator';
export type { GitHubDoubleLimits, PrimaryLimitOptions, SecondaryLimitOptions } from './rate-limits';
export type { FaultSpec, FaultAction, FaultMatcher } from './faults';
export type { LoggedRequest } from './request-log';
export { tokenHash } from './app-identity';
export { runGitHubDouble, parseGitHubDoubleArgs } from './main';
