/**
 * Requests per second the GitHub double serves, limits off, every request and response still
 * validated against the OpenAPI slice. Run compiled:
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/github-double.js
 *
 * Each phase runs a fixed time with a few requests in flight over keep-alive connections.
 */
import { silentLogger } from '../src/log';
import { startGitHubDouble, type GitHubDouble } from '../sandbox/github/github-double';
import { generateScenario } from '../sandbox/github/scenario-generator';

const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 4000);
const inFlight = Number(process.env.BENCH_CONCURRENCY ?? 8);

interface Target {
  owner: string;
  repo: string;
  sha: string;
}

async function phase(
  name: string,
  double: GitHubDouble,
  request: (i: number) => Promise<Response>,
): Promise<void> {
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + phaseMs;
  let next = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const res = await request(next++);
      await res.arrayBuffer();
      if (res.ok) done++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${name}: ${Math.round(done / seconds)} req/s (${done} ok, ${failed} failed in ${seconds.toFixed(1)} s, ` +
      `${inFlight} in flight, ${double.violations.length} schema violations)`,
  );
}

async function main(): Promise<void> {
  const scenario = generateScenario({ repos: 10, prsPerRepo: 100, contextsPerPr: 10, seed: 1 });
  const double = await startGitHubDouble({
    scenario,
    limits: { primary: false, secondary: false },
    logger: silentLogger,
  });
  const token = double.issueToken();
  const headers = { authorization: `token ${token}`, 'x-github-api-version': '2022-11-28' };
  const targets: Target[] = (scenario.repos ?? []).flatMap((r) =>
    (r.pulls ?? []).map((p) => ({ owner: r.owner, repo: r.name, sha: p.headSha })),
  );
  const at = (i: number) => targets[i % targets.length] as Target;
  console.log(`github double at ${double.url}: ${targets.length} PRs, 10 contexts each, limits off`);

  await phase('combined-status reads (10 contexts)', double, (i) => {
    const t = at(i);
    return fetch(`${double.url}/repos/${t.owner}/${t.repo}/commits/${t.sha}/status?per_page=100`, {
      headers,
    });
  });
  await phase('status writes', double, (i) => {
    const t = at(i);
    return fetch(`${double.url}/repos/${t.owner}/${t.repo}/statuses/${t.sha}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        state: 'success',
        context: `bench-${i % 50}`,
        description: 'Context retired without replacement.',
      }),
    });
  });
  await phase('open PR list pages (100 PRs each)', double, (i) => {
    const t = at(i * 100);
    return fetch(`${double.url}/repos/${t.owner}/${t.repo}/pulls?per_page=100`, { headers });
  });
  await double.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
