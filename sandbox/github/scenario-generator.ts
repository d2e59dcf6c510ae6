import { createHash } from 'node:crypto';
import type { GitHubScenario, ScenarioPull, ScenarioRepo, ScenarioStatus } from './scenario';

/**
 * Large deterministic scenarios for load tests and benchmarks: the same options always give the same
 * repositories, pull requests and statuses.
 */
export interface GenerateScenarioOptions {
  repos: number;
  prsPerRepo: number;
  contextsPerPr: number;
  seed: number;
  org?: string;
  /** Base branches; PRs are spread over them (default main, release-1.0). */
  branches?: string[];
  /** Org members; about a fifth of the PRs come from outside authors. */
  members?: number;
}

/** mulberry32: small, fast and good enough to spread PR attributes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticSha(...parts: (string | number)[]): string {
  return createHash('sha1').update(parts.join(':')).digest('hex');
}

const states: ScenarioStatus['state'][] = ['success', 'success', 'success', 'pending', 'failure', 'error'];

export function generateScenario(options: GenerateScenarioOptions): GitHubScenario {
  const { repos, prsPerRepo, contextsPerPr, seed } = options;
  const org = options.org ?? 'sandbox-org';
  const branches = options.branches ?? ['main', 'release-1.0'];
  const memberCount = options.members ?? 20;
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const members = Array.from({ length: memberCount }, (_, i) => `member-${i}`);
  const outsiders = Array.from(
    { length: Math.max(1, Math.floor(memberCount / 2)) },
    (_, i) => `outsider-${i}`,
  );

  const repoList: ScenarioRepo[] = [];
  for (let r = 0; r < repos; r++) {
    const name = `repo-${r}`;
    const branchShas = Object.fromEntries(
      branches.map((b) => [b, syntheticSha(seed, org, name, 'branch', b)]),
    );
    const pulls: ScenarioPull[] = [];
    const statuses: Record<string, ScenarioStatus[]> = {};
    for (let n = 1; n <= prsPerRepo; n++) {
      const headSha = syntheticSha(seed, org, name, 'pr', n);
      const labels = random() < 0.1 ? ['ok-to-test'] : [];
      if (random() < 0.2) labels.push('needs-rebase');
      const author = random() < 0.8 ? pick(members) : pick(outsiders);
      pulls.push({
        number: n,
        author,
        title: `Change ${n} in ${name}`,
        draft: random() < 0.05,
        baseRef: pick(branches),
        headRef: `feature-${n}`,
        headSha,
        labels,
        files: [`pkg/${name}/file-${n % 7}.go`, `docs/${n % 3}.md`],
      });
      if (contextsPerPr > 0) {
        statuses[headSha] = Array.from({ length: contextsPerPr }, (_, k) => ({
          context: `pull-${name}-job-${k}`,
          state: pick(states),
          description: 'Job finished.',
          targetUrl: `https://prow.example.com/view/${name}/${n}/${k}`,
        }));
      }
    }
    repoList.push({
      owner: org,
      name,
      defaultBranch: branches[0],
      collaborators: outsiders.slice(0, 1),
      branches: branchShas,
      pulls,
      statuses,
    });
  }
  return {
    app: { id: 1000 + (seed % 1000), slug: 'status-reconciler', installationAccount: org },
    orgs: [{ login: org, members }],
    repos: repoList,
  };
}
