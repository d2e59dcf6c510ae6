import type { ServerResponse } from 'node:http';
import type { Logger } from '../../src/log';
import { checkFaultSpec, type FaultPlan } from './faults';
import type { GitHubState } from './github-state';
import type { RequestLog } from './request-log';
import type { GitHubScenario } from './scenario';

/**
 * The double's control plane as JSON routes under `/_sandbox/`, for the demo and for tools outside
 * the test process (the same operations as the in-process API). Not GitHub traffic: these requests
 * are neither validated against the OpenAPI slice nor recorded in the request log.
 *
 *   GET    /_sandbox/state         repositories, pull requests, latest statuses, history sizes
 *   POST   /_sandbox/seed          replace the world with the posted scenario (JSON)
 *   POST   /_sandbox/reset         back to the start scenario
 *   GET    /_sandbox/faults        armed faults
 *   POST   /_sandbox/faults        arm a fault ({match, action, times})
 *   DELETE /_sandbox/faults[/<id>] disarm all faults or one
 *   GET    /_sandbox/requests      the request log (token hashes only)
 *   GET    /_sandbox/violations    schema violations the double caught
 *   POST   /_sandbox/installation-token  a fresh installation token, for demo scripts
 *   POST   /_sandbox/membership-redirects  {org, on}: membership checks in org answer 302 (R17 error path)
 */
export interface ControlRequest {
  method: string;
  url: URL;
  raw: string;
}

/**
 * What the control plane operates on: the double's parts and operations it exposes over HTTP. Defined
 * here, by its consumer, so the control plane does not depend on the double that serves it.
 */
export interface ControlledDouble {
  readonly app: { appId: number; slug: string; installationId: number };
  readonly state: GitHubState;
  readonly faults: Pick<FaultPlan, 'list' | 'add' | 'clear' | 'remove'>;
  readonly requests: Pick<RequestLog, 'entries'>;
  /** Schema violations, sent as they are. */
  readonly violations: readonly unknown[];
  seed(scenario: GitHubScenario): void;
  reset(): void;
  issueToken(): string;
  redirectMembershipChecks(org: string, on?: boolean): void;
}

export function stateSnapshot(double: ControlledDouble) {
  const state = double.state;
  return {
    app: { appId: double.app.appId, slug: double.app.slug, installationId: double.app.installationId },
    orgs: [...state.orgs.values()].map((o) => ({ login: o.login, members: [...o.members.values()] })),
    repos: [...state.repos.values()].map((repo) => ({
      owner: repo.owner,
      name: repo.name,
      defaultBranch: repo.defaultBranch,
      branches: Object.fromEntries(repo.branches),
      collaborators: [...repo.collaborators.values()],
      pulls: [...repo.pulls.values()].map((p) => ({
        number: p.number,
        state: p.state,
        draft: p.draft,
        author: p.author,
        title: p.title,
        baseRef: p.baseRef,
        baseSha: p.baseSha,
        headRef: p.headRef,
        headSha: p.headSha,
        labels: p.labels,
        files: p.files.length,
      })),
      statuses: Object.fromEntries(
        [...repo.statuses.keys()].map((sha) => {
          const combined = state.combinedStatus(repo, sha);
          return [
            sha,
            {
              state: combined.state,
              history: repo.statuses.get(sha)?.length ?? 0,
              latest: combined.latest.map((s) => ({
                context: s.context,
                state: s.state,
                description: s.description,
                targetUrl: s.targetUrl,
                creator: s.creator,
              })),
            },
          ];
        }),
      ),
    })),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function handleControlPlane(
  double: ControlledDouble,
  req: ControlRequest,
  res: ServerResponse,
  log: Logger,
): void {
  const route = `${req.method} ${req.url.pathname.replace(/\/+$/, '')}`;
  const json = (): unknown => (req.raw.trim() === '' ? {} : JSON.parse(req.raw));
  try {
    if (route === 'GET /_sandbox/state') return send(res, 200, stateSnapshot(double));
    if (route === 'POST /_sandbox/seed') {
      double.seed(json() as GitHubScenario);
      log.info('github double seeded over the control plane', { repos: double.state.repos.size });
      return send(res, 200, { ok: true });
    }
    if (route === 'POST /_sandbox/reset') {
      double.reset();
      return send(res, 200, { ok: true });
    }
    if (route === 'GET /_sandbox/faults') return send(res, 200, double.faults.list());
    if (route === 'POST /_sandbox/faults')
      return send(res, 201, double.faults.add(checkFaultSpec(json(), 'fault')));
    if (route === 'DELETE /_sandbox/faults') {
      double.faults.clear();
      return send(res, 200, { ok: true });
    }
    const one = /^DELETE \/_sandbox\/faults\/(\d+)$/.exec(route);
    if (one) return send(res, double.faults.remove(Number(one[1])) ? 200 : 404, { ok: true });
    if (route === 'GET /_sandbox/requests') return send(res, 200, double.requests.entries);
    if (route === 'GET /_sandbox/violations') return send(res, 200, double.violations);
    if (route === 'POST /_sandbox/installation-token') return send(res, 201, { token: double.issueToken() });
    if (route === 'POST /_sandbox/membership-redirects') {
      const { org, on } = json() as { org?: unknown; on?: unknown };
      if (typeof org !== 'string' || org === '')
        throw new Error('membership-redirects.org: must be a non-empty string');
      double.redirectMembershipChecks(org, on !== false);
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { message: `no control-plane route ${route}` });
  } catch (err) {
    // Bad seeds and faults get their validation message back (it names the field).
    return send(res, 400, { message: (err as Error).message });
  }
}
