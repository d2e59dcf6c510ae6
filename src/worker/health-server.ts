import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigHealth } from '../../workflows/types';

/** What the health endpoints need to know; the worker process supplies it. */
export interface HealthSources {
  /** The controller's fail-closed state, cached; undefined until first read. */
  configHealth(): ConfigHealth | undefined;
  /** Connected to Temporal and polling the task queue. */
  ready(): boolean;
  /** The process and its worker are alive (not failed or stopped). */
  live(): boolean;
  /**
   * Other reasons actuation is halted, one line each (ControllerStateReader.problems): a controller that does
   * not answer, workers that disagree on the deployment settings, a failed change that blocks the controller.
   */
  controllerProblems?(): string[];
}

/**
 * Prow's health paths (kubernetes-sigs/prow#628), so Prow's probes keep working:
 * - `/healthz` (Prow's liveness): fail closed, 503 while the newest config cannot be loaded or validated, and
 *   while the controller is blocked, does not answer, or its workers disagree on the deployment settings;
 * - `/healthz/ready`: connected to Temporal and polling; 503 while starting or draining;
 * - `/livez`: the process alone, for deployments that want an alert rather than a restart on a broken config.
 */
export function startHealthServer(sources: HealthSources, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (!sources.live()) return send(503, 'LivenessCheck failed: worker is not running\n');
      const health = sources.configHealth();
      const problems = sources.controllerProblems?.() ?? [];
      if (health && !health.ok) {
        return send(
          503,
          [
            'LivenessCheck failed: actuation halted, the newest config cannot be loaded or validated',
            `reason: ${health.reason ?? 'unknown'}`,
            `failing revision: ${health.failingSourceRevision ?? 'unknown'}`,
            `since: ${health.since ?? 'unknown'}`,
            `last good revision: ${health.lastGoodRevision ?? 'none'}`,
            ...problems,
          ].join('\n') + '\n',
        );
      }
      if (problems.length > 0)
        return send(503, ['LivenessCheck failed: actuation halted', ...problems].join('\n') + '\n');
      return send(200, 'OK');
    }
    if (path === '/healthz/ready')
      return sources.ready() ? send(200, 'OK') : send(503, 'ReadinessCheck failed\n');
    if (path === '/livez') return sources.live() ? send(200, 'OK') : send(503, 'LivenessCheck failed\n');
    return send(404, '404 page not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function serverPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
