import type { ConfigSummary, ControllerView } from '../../workflows/types';
import { fields, textTable } from './text-table';

/** How long ago an ISO time was, as kubectl's AGE column says it (`45s`, `12m`, `3h`, `2d`). */
export function age(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function config(summary: ConfigSummary | undefined): string {
  if (!summary) return 'none';
  const version = summary.configVersion ? `, config version ${summary.configVersion}` : '';
  return `${summary.revision}  (${summary.presubmitCount} presubmits in ${summary.repoCount} repositories${version})`;
}

/** `status` for people: the controller's state, then its recent runs as a table. */
export function statusTable(view: ControllerView, now = Date.now()): string {
  const { health, running, blocked, pending } = view;
  const healthLine = health.ok
    ? 'OK'
    : `HALTED (actuation stopped) since ${health.since ?? 'unknown'}: ${health.reason ?? 'unknown reason'}; ` +
      `failing revision ${health.failingSourceRevision ?? 'unknown'}, last good ${health.lastGoodRevision ?? 'none'}`;
  const runningLine = running
    ? `${running.workflowId}  ${running.held ? 'HELD for approval' : 'running'} for ${age(running.since, now)}` +
      (running.held ? '  (see `status-reconciler plan`, then `approve` or `reject`)' : '')
    : 'none';
  const blockedLine = blocked
    ? `${blocked.workflowId}  for ${age(blocked.since, now)}: ${blocked.errorType ? `${blocked.errorType}: ` : ''}${blocked.error}  (\`retry\` or \`skip --reason\`)`
    : 'none';
  const pendingLine = pending
    ? `${pending.sourceRevision ?? 'current files'}: ${pending.reason}${pending.requestedBy ? ` (by ${pending.requestedBy})` : ''}`
    : 'none';
  const head = fields([
    ['Instance', view.instance],
    ['Health', healthLine],
    ['Last reconciled', config(view.lastReconciled)],
    ['Last loaded', config(view.lastLoaded)],
    ['Running', runningLine],
    ['Pending', pendingLine],
    ['Blocked', blockedLine],
  ]);
  if (view.recent.length === 0) return `${head}\n\nRecent runs: none`;
  const runs = textTable(
    ['OUTCOME', 'FROM', 'TO', 'AGE', 'RUN', 'DETAIL'],
    view.recent.map((r) => [
      r.outcome,
      r.from ?? '',
      r.to ?? '',
      age(r.at, now),
      r.workflowId.replace(/^.*\/change\//, '…/change/'),
      r.detail ?? '',
    ]),
  );
  return `${head}\n\nRecent runs:\n${runs}`;
}
