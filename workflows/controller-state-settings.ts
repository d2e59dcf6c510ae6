/**
 * The deployment settings as the controller's workers register them (issue 13): which worker holds which
 * settings, and whether they agree. Runs use the settings every live worker registered; while workers
 * disagree, or none has registered, no run starts (the controller does not guess). Plain data and pure
 * functions: time comes in as an argument.
 */
import type { DeploymentSettingsView, DeploymentSettings, WorkerSettingsMessage } from './types';

/** Each live worker's registration, by worker ID; `lastSeen` is an ISO time. */
export type RegisteredWorkers = Record<string, { revision: string; lastSeen: string }>;
/** The settings registered under each revision (content hash) that some live worker holds. */
export type SettingsByRevision = Record<string, DeploymentSettings>;

export interface WorkerRegistrations {
  workers: RegisteredWorkers;
  settings: SettingsByRevision;
}

/**
 * A worker's registration lapses after this long without a refresh (workers refresh well within it), so a
 * crashed worker of an older deployment stops counting; a stopping worker withdraws its own at once.
 */
export const workerRegistrationTtlMs = 10 * 60_000;

/** Records a worker's settings, or withdraws them when it leaves; settings no worker holds any more are dropped. */
export function registerWorkerSettings(
  registrations: WorkerRegistrations,
  message: WorkerSettingsMessage,
  at: number,
): void {
  const { workers, settings } = registrations;
  if (message.leaving) delete workers[message.workerId];
  else if (message.revision && message.settings) {
    workers[message.workerId] = { revision: message.revision, lastSeen: new Date(at).toISOString() };
    settings[message.revision] = message.settings;
  }
  // Settings no registered worker holds any more are dropped, so state stays small.
  const held = new Set(Object.values(workers).map((w) => w.revision));
  for (const revision of Object.keys(settings)) if (!held.has(revision)) delete settings[revision];
}

/** The settings runs use at `at`: those every live worker registered; none while they disagree. */
export function deploymentSettingsAt(registrations: WorkerRegistrations, at: number): DeploymentSettingsView {
  const workers = Object.entries(registrations.workers)
    .filter(([, w]) => at - Date.parse(w.lastSeen) < workerRegistrationTtlMs)
    .map(([workerId, w]) => ({ workerId, revision: w.revision, lastSeen: w.lastSeen }));
  const revisions = [...new Set(workers.map((w) => w.revision))].sort();
  if (revisions.length === 0)
    return { workers, problem: 'no worker has registered its deployment settings yet' };
  if (revisions.length > 1) {
    const groups = revisions.map(
      (r) =>
        `${r} (${workers
          .filter((w) => w.revision === r)
          .map((w) => w.workerId)
          .sort()
          .join(', ')})`,
    );
    return {
      workers,
      conflict: true,
      problem: `workers disagree on the deployment settings: ${groups.join(' vs ')}; no run starts until they agree`,
    };
  }
  const revision = revisions[0] as string;
  return { workers, revision, settings: registrations.settings[revision] };
}

/**
 * How long after `at` the next registration lapses (plus 1 ms, so it has lapsed then): a disagreement may end
 * then without any message arriving. Undefined when no registration is still live.
 */
export function nextRegistrationLapseMs(registrations: WorkerRegistrations, at: number): number | undefined {
  const lapses = Object.values(registrations.workers)
    .map((w) => Date.parse(w.lastSeen) + workerRegistrationTtlMs - at)
    .filter((ms) => ms > 0);
  return lapses.length ? Math.min(...lapses) + 1 : undefined;
}
