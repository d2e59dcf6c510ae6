import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The application's Prometheus metrics, on `--metrics-port` at `/metrics`. The first two are the seed change's
 * (kubernetes-sigs/prow#628) with its exact names, types, labels and help strings, so existing alerts keep
 * working. Temporal's own worker metrics come from the SDK's exporter on a second port (README, metrics).
 * Workflow code never touches these: activities and the worker process update them.
 */
export function createMetrics(registry: Registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const metric = { registers: [registry] };
  return {
    registry,
    loadedPresubmitCount: new Gauge({
      name: 'status_reconciler_loaded_presubmit_count',
      help: 'Number of loaded presubmit jobs in the latest config delta.',
      ...metric,
    }),
    contextsRetired: new Counter({
      name: 'status_reconciler_contexts_retired_total',
      help: 'Total number of retired contexts by org and repo.',
      labelNames: ['org', 'repo'],
      ...metric,
    }),
    configLastLoadSuccessful: new Gauge({
      name: 'status_reconciler_config_last_load_successful',
      help: 'Whether the newest config loaded and validated (1) or not (0); while 0, actuation is halted.',
      ...metric,
    }),
    configLastLoadSuccessTimestamp: new Gauge({
      name: 'status_reconciler_config_last_load_success_timestamp_seconds',
      help: 'Unix time of the last successful config load and validation.',
      ...metric,
    }),
    configLoadFailures: new Counter({
      name: 'status_reconciler_config_load_failures_total',
      help: 'Config loads that failed to read or validate.',
      ...metric,
    }),
    statusesWritten: new Counter({
      name: 'status_reconciler_statuses_written_total',
      help: 'Commit statuses written, by org, repo and kind (retire or migrate).',
      labelNames: ['org', 'repo', 'kind'],
      ...metric,
    }),
    prowJobsCreated: new Counter({
      name: 'status_reconciler_prowjobs_created_total',
      help: 'ProwJobs created by the trigger phase, by org, repo and kind (created, or already existing).',
      labelNames: ['org', 'repo', 'kind'],
      ...metric,
    }),
    repositoryReconcileDuration: new Histogram({
      name: 'status_reconciler_repository_reconcile_duration_seconds',
      help: 'Duration of one repository activity attempt, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      ...metric,
    }),
    reconcileRunDuration: new Histogram({
      name: 'status_reconciler_reconcile_run_duration_seconds',
      help: 'Duration of reconcile runs from start to end, by outcome.',
      labelNames: ['outcome'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 14400],
      ...metric,
    }),
    changesPending: new Gauge({
      name: 'status_reconciler_changes_pending',
      help: 'Config changes waiting to be reconciled (0 or 1: pending changes coalesce).',
      ...metric,
    }),
    changesBlocked: new Gauge({
      name: 'status_reconciler_changes_blocked',
      help: 'Whether a failed change blocks the controller until it is retried, skipped or superseded.',
      ...metric,
    }),
    runsAwaitingApproval: new Gauge({
      name: 'status_reconciler_runs_awaiting_approval',
      help: 'Reconcile runs held by the blast-radius guard, waiting for approve or reject.',
      ...metric,
    }),
    messagesRejected: new Counter({
      name: 'status_reconciler_messages_rejected_total',
      help: 'Signals dropped because their payload did not match the message schema, by workflow and message.',
      labelNames: ['workflow', 'message'],
      ...metric,
    }),
    controllerAnswering: new Gauge({
      name: 'status_reconciler_controller_answering',
      help: 'Whether the controller answers its status query (1) or exists but does not (0): see `recover`.',
      ...metric,
    }),
    deploymentSettingsConflict: new Gauge({
      name: 'status_reconciler_deployment_settings_conflict',
      help: 'Whether live workers registered different deployment settings (1); no run starts until they agree.',
      ...metric,
    }),
    githubRequests: new Counter({
      name: 'status_reconciler_github_requests_total',
      help: 'GitHub API requests by endpoint (method and route) and outcome (status class or error).',
      labelNames: ['endpoint', 'outcome'],
      ...metric,
    }),
    githubRateLimitRemaining: new Gauge({
      name: 'status_reconciler_github_rate_limit_remaining',
      help: "GitHub's x-ratelimit-remaining on the last response, by resource.",
      labelNames: ['resource'],
      ...metric,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
