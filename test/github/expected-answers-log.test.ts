import { createLogger, silentLogger, type LogLevel } from '../../src/log';
import { createGitHubClient } from '../../src/github/client';
import { GitHubApi } from '../../src/github/github-api';
import { startGitHubDouble, type GitHubDouble } from '../../sandbox/github/github-double';
import { smallScenario } from '../sandbox/github/small-scenario';

/**
 * Logs do not cry wolf: answers the caller asked for — "not a member" (404 on a membership or collaborator
 * check) and "not modified" (304 on a conditional read) — are logged at debug, while an unexpected error
 * answer (a 404 for a repository that does not exist) is still logged at error.
 */
let double: GitHubDouble;
beforeAll(async () => {
  double = await startGitHubDouble({ scenario: smallScenario, logger: silentLogger });
});
afterAll(() => double.close());

async function logged(
  call: (gh: GitHubApi) => Promise<unknown>,
): Promise<{ level: LogLevel; msg: string }[]> {
  const lines: { level: LogLevel; msg: string }[] = [];
  const logger = createLogger({}, 'debug', (line) => lines.push(JSON.parse(line)));
  const client = await createGitHubClient({
    baseUrl: double.url,
    auth: { token: double.issueToken() },
    retryBaseMs: 1,
    rateLimitBaseMs: 1,
    writeSpacingMs: 0,
    logger,
  });
  await call(new GitHubApi(client)).catch(() => undefined);
  return lines.filter((l) => / - \d{3} with id /.test(l.msg)).map(({ level, msg }) => ({ level, msg }));
}

describe("Octokit's request log: expected answers are not errors", () => {
  it.each([
    ['not an org member', (gh: GitHubApi) => gh.isOrgMember('acme', 'mallory'), /members\/mallory - 404/],
    [
      'not a collaborator',
      (gh: GitHubApi) => gh.isCollaborator('acme', 'widgets', 'mallory'),
      /collaborators\/mallory - 404/,
    ],
    [
      'a conditional read answered 304',
      async (gh: GitHubApi) => {
        await gh.listOpenPullRequests('acme', 'widgets');
        await gh.listOpenPullRequests('acme', 'widgets');
      },
      /pulls\?.* - 304/,
    ],
  ])('%s: debug', async (_name, call, line) => {
    const lines = await logged(call);
    const answer = lines.find((l) => line.test(l.msg));
    expect(answer).toEqual({ level: 'debug', msg: expect.stringMatching(line) });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a 404 for a repository that does not exist: error', async () => {
    const lines = await logged((gh) => gh.listOpenPullRequests('acme', 'no-such-repo'));
    expect(lines).toContainEqual({
      level: 'error',
      msg: expect.stringMatching(/no-such-repo\/pulls.* - 404/),
    });
  });
});
