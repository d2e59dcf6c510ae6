/**
 * The project's layers, checked by `npm run lint` (so by `npm test` and CI): imports point only down, and
 * there are no import cycles (type-only imports count: a type lives with its owner). Lowest first:
 *
 *   core       the config model and the reconcile logic, pure: src/config, src/reconcile, src/log.ts,
 *              src/packed-json.ts, src/project-root.ts
 *   contract   what workflows and their clients share, plain definitions: workflows/types.ts,
 *              messages.ts, message-schemas.ts, search-attributes.ts
 *   adapters   GitHub, Kubernetes, metrics and the Temporal connection: src/github, src/kubernetes,
 *              src/metrics, src/temporal (but its controller-*.ts)
 *   workflows  the workflow code (the rest of workflows/) and activities/
 *   clients    what starts, signals and queries the controller workflow: src/temporal/controller-*.ts
 *   top        the processes: src/worker, src/cli, src/options.ts (the reader that assembles every
 *              layer's options)
 *
 * A layer imports its own and lower layers only. Production code (src, workflows, activities) never imports
 * the doubles (sandbox/), bench/, test/ or scripts/. Workflow code imports only
 * @temporalio/workflow, @temporalio/common and pure modules: no Node built-in is reachable from it.
 *
 * To see a violation: add `import type { ProcessOptions } from '../options';` to src/reconcile/guard.ts and
 * run `npm run lint:layers`; test/layers/layers.test.ts checks each rule on a small project.
 */
const core = '^src/(config|reconcile)/|^src/(log|packed-json|project-root)[.]ts$';
const contract = '^workflows/(types|messages|message-schemas|search-attributes)[.]ts$';
const adapters = '^src/(github|kubernetes|metrics)/|^src/temporal/(?!controller-)';
const workflowCode = '^workflows/';
const activities = '^activities/';
const clients = '^src/temporal/controller-';
const production = '^(src|workflows|activities)/';
const doubles = '^(src/)?sandbox/';
const project = '^(src|workflows|activities|sandbox|bench|test|scripts)/';

/** A rule that `from` may import nothing of the project but `allowed`. */
const onlyDown = (name, comment, from, allowed) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from.path, pathNot: from.pathNot },
  to: { path: project, pathNot: allowed },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Import cycles (type-only imports included) tie modules that should stand on their own.',
      severity: 'error',
      from: { path: project },
      to: { circular: true },
    },
    onlyDown('core-is-pure', 'The core imports only the core.', { path: core }, [core]),
    onlyDown(
      'contract-over-core',
      'The workflow contract imports only the core and itself.',
      { path: contract },
      [core, contract],
    ),
    onlyDown(
      'adapters-over-core',
      'Adapters import the core, the contract and other adapters.',
      { path: adapters },
      [core, contract, adapters],
    ),
    onlyDown(
      'workflow-code-over-contract',
      'Workflow code imports the core, the contract, workflow code, and activities as types (proxyActivities).',
      { path: workflowCode, pathNot: contract },
      [core, workflowCode, activities],
    ),
    {
      name: 'workflows-type-activities',
      comment: 'Workflow code names activities by their types only; their code runs on the worker.',
      severity: 'error',
      from: { path: workflowCode },
      to: { path: activities, dependencyTypesNot: ['type-only'] },
    },
    onlyDown(
      'activities-over-adapters',
      'Activities import the core, the contract and adapters.',
      { path: activities },
      [core, contract, adapters, activities],
    ),
    onlyDown(
      'clients-over-workflows',
      'The controller clients import everything below the processes.',
      { path: clients },
      [core, contract, adapters, workflowCode, activities, clients],
    ),
    {
      name: 'production-without-doubles',
      comment: 'Production code never imports the doubles, benchmarks, tests or scripts.',
      severity: 'error',
      from: { path: production },
      to: { path: [doubles, '^(bench|test|scripts)/'] },
    },
    {
      name: 'workflow-packages',
      comment:
        'Workflow code runs in the deterministic sandbox: @temporalio/workflow and @temporalio/common only.',
      severity: 'error',
      from: { path: workflowCode },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: '(^|/)node_modules/@temporalio/(workflow|common)/',
      },
    },
    {
      name: 'workflow-no-node',
      comment:
        'No Node built-in may be reachable from workflow code (it would break determinism or the bundle).',
      severity: 'error',
      from: { path: workflowCode },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'resolvable',
      comment: 'An import the checker cannot resolve would escape every rule above.',
      severity: 'error',
      from: { path: project },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Every TypeScript file of the project; packages and Node built-ins appear as leaves (not followed).
    exclude: { path: '^(dist|[.]tools|[.]data|coverage)/|^[^/]+[.][cm]?js$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'require', 'node', 'default'],
      // Types-only packages (@octokit/openapi-types) have only a `types` entry.
      mainFields: ['main', 'types'],
    },
  },
};
