/**
 * The GitHub-double process of the benchmarks (forked by double-process.ts; not run by hand). It builds the
 * scenario (and, for the scale benchmark, the config fixture), serves the double on loopback with limits off,
 * and answers questions about the request log and the statuses over IPC.
 */
import { silentLogger } from '../../src/log';
import {
  generateScenario,
  startGitHubDouble,
  type GitHubDouble,
  type GitHubScenario,
} from '../../sandbox/github';
import type {
  DoubleAnswer,
  DoubleMessage,
  DoubleReplies,
  DoubleRequest,
  DoubleSpec,
  DoubleStarted,
  RequestStats,
  StatusAudit,
} from './double-protocol';
import { buildScaleFixture, scenarioFromIndex } from './prow-config-scale';

let double: GitHubDouble | undefined;
let startScenario: GitHubScenario | undefined;
/** Statuses per `owner/repo@sha` in the scenario: anything after them was written by the reconciler. */
const initial = new Map<string, number>();

function live(): GitHubDouble {
  if (!double) throw new Error('the double is not started');
  return double;
}

async function start(spec: DoubleSpec): Promise<DoubleStarted> {
  const started = performance.now();
  let scenario: GitHubScenario;
  let fixture: DoubleStarted['fixture'];
  if (spec.kind === 'generated') scenario = generateScenario(spec.options);
  else {
    const { beforeIndex, ...rest } = await buildScaleFixture(spec);
    scenario = scenarioFromIndex(beforeIndex, { prsPerRepo: spec.prsPerRepo, seed: spec.seed });
    fixture = rest;
  }
  let pulls = 0;
  let statuses = 0;
  for (const repo of scenario.repos ?? []) {
    pulls += repo.pulls?.length ?? 0;
    for (const [sha, list] of Object.entries(repo.statuses ?? {})) {
      initial.set(`${repo.owner}/${repo.name}@${sha}`.toLowerCase(), list.length);
      statuses += list.length;
    }
  }
  startScenario = scenario;
  double = await startGitHubDouble({
    scenario,
    limits: { primary: false, secondary: false },
    logger: silentLogger,
  });
  return {
    url: double.url,
    app: double.app,
    repos: scenario.repos?.length ?? 0,
    pulls,
    statuses,
    fixture,
    setupMs: Math.round(performance.now() - started),
  };
}

function stats(since: number): RequestStats {
  const d = live();
  const entries = d.requests.entries.filter((r) => r.seq >= since);
  const byOperation: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const readsByRepo = new Map<string, number>();
  const opsByRepo = new Map<string, Record<string, number>>();
  let writes = 0;
  let writeAttempts = 0;
  let reads = 0;
  let first = Infinity;
  let last = -Infinity;
  const events: [number, number][] = [];
  for (const r of entries) {
    const op = r.operationId ?? `unknown ${r.method}`;
    byOperation[op] = (byOperation[op] ?? 0) + 1;
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.write) {
      writeAttempts++;
      if (r.operationId === 'repos/create-commit-status' && r.status === 201) writes++;
    }
    const repo = /^\/repos\/([^/]+\/[^/]+)\//.exec(r.path)?.[1];
    // A GraphQL query is a POST that reads (its repository is in the query, not the path).
    if (r.method === 'GET' || r.operationId === 'graphql') reads++;
    if (r.method === 'GET') {
      if (repo) readsByRepo.set(repo, (readsByRepo.get(repo) ?? 0) + 1);
    }
    if (repo) {
      const ops = opsByRepo.get(repo) ?? {};
      ops[op] = (ops[op] ?? 0) + 1;
      opsByRepo.set(repo, ops);
    }
    first = Math.min(first, r.startedAt);
    last = Math.max(last, r.endedAt);
    events.push([r.startedAt, 1], [r.endedAt, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let maxConcurrency = 0;
  for (const [, delta] of events) {
    inFlight += delta;
    maxConcurrency = Math.max(maxConcurrency, inFlight);
  }
  const perRepo = [...readsByRepo.values()];
  const busiest = [...readsByRepo].sort((a, b) => b[1] - a[1])[0]?.[0];
  return {
    total: entries.length,
    byOperation,
    byStatus,
    writes,
    writeAttempts,
    reads,
    readsPerRepo: {
      repos: perRepo.length,
      min: perRepo.length ? Math.min(...perRepo) : 0,
      max: perRepo.length ? Math.max(...perRepo) : 0,
      mean: perRepo.length ? perRepo.reduce((a, b) => a + b, 0) / perRepo.length : 0,
    },
    sampleRepo: busiest ? { repo: busiest, byOperation: opsByRepo.get(busiest) ?? {} } : undefined,
    violations: d.violations.length,
    unknown: d.unknownRequests().length,
    maxConcurrency,
    spanMs: entries.length ? last - first : 0,
  };
}

function audit(): StatusAudit {
  const d = live();
  let written = 0;
  let equalToLatest = 0;
  const latestByDescription: Record<string, number> = {};
  for (const repo of d.state.repos.values()) {
    for (const [sha, list] of repo.statuses) {
      const before = initial.get(`${repo.owner}/${repo.name}@${sha}`.toLowerCase()) ?? 0;
      if (list.length <= before) continue;
      const latest = new Map<string, (typeof list)[number]>();
      list.forEach((s, i) => {
        const key = s.context.toLowerCase();
        if (i >= before) {
          written++;
          const prev = latest.get(key);
          if (
            prev &&
            prev.state === s.state &&
            prev.description === s.description &&
            prev.targetUrl === s.targetUrl
          )
            equalToLatest++;
        }
        latest.set(key, s);
      });
      const touched = new Set(list.slice(before).map((s) => s.context.toLowerCase()));
      for (const key of touched) {
        const s = latest.get(key);
        const description = (s?.description ?? '(none)').replace(/"[^"]*"/g, '"…"');
        latestByDescription[description] = (latestByDescription[description] ?? 0) + 1;
      }
    }
  }
  return { written, equalToLatest, latestByDescription };
}

async function handle(request: DoubleRequest): Promise<DoubleReplies[keyof DoubleReplies]> {
  switch (request.op) {
    case 'start':
      return start(request.spec);
    case 'mark': {
      const entries = live().requests.entries;
      return (entries[entries.length - 1]?.seq ?? 0) + 1;
    }
    case 'stats':
      return stats(request.since);
    case 'audit':
      return audit();
    case 'reseed':
      if (startScenario) live().seed(startScenario);
      return null;
    case 'memory': {
      const cpu = process.cpuUsage();
      return {
        rss: process.memoryUsage().rss,
        maxRss: process.resourceUsage().maxRSS * 1024,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
    }
    case 'close':
      await double?.close();
      double = undefined;
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: DoubleMessage) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies DoubleAnswer),
    (err: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      } satisfies DoubleAnswer),
  );
});
process.on('disconnect', () => process.exit(0));
