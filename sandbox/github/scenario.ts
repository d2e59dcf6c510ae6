import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';

/**
 * What the GitHub double starts with: the App, organizations, repositories with branches, open pull
 * requests and existing commit statuses. Written by hand (YAML or a JS object) for tests and the
 * demo, or generated for load (scenario-generator.ts).
 */
export interface GitHubScenario {
  app?: {
    id?: number;
    slug?: string;
    name?: string;
    installationId?: number;
    /** The account the App is installed on (defaults to the first org). */
    installationAccount?: string;
  };
  /** Personal access tokens the double accepts, with the user each one authenticates. */
  tokens?: { token: string; login: string }[];
  orgs?: { login: string; members?: string[] }[];
  repos?: ScenarioRepo[];
}

export interface ScenarioRepo {
  owner: string;
  name: string;
  defaultBranch?: string;
  collaborators?: string[];
  /** Branch name to head SHA. */
  branches: Record<string, string>;
  /** Other commits that exist (statuses may be written to any known SHA). */
  commits?: string[];
  pulls?: ScenarioPull[];
  /** Existing statuses per SHA, oldest first. */
  statuses?: Record<string, ScenarioStatus[]>;
}

export interface ScenarioPull {
  number: number;
  author: string;
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  baseRef: string;
  /** Defaults to the base branch's SHA. */
  baseSha?: string;
  headRef?: string;
  headSha: string;
  labels?: string[];
  files?: string[];
  /** `pulls/get` only; null means GitHub has not computed it yet. Default true. */
  mergeable?: boolean | null;
}

export interface ScenarioStatus {
  context: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  description?: string | null;
  targetUrl?: string | null;
  /** Login of the user who wrote it (default: the App's bot). */
  creator?: string;
}

const sha = { type: 'string', pattern: '^[0-9a-f]{40}$' };
const login = { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*(\\[bot\\])?$' };
const logins = { type: 'array', items: login };

const scenarioSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    app: {
      type: 'object',
      additionalProperties: false,
      properties: {
        id: { type: 'integer', minimum: 1 },
        slug: { type: 'string', pattern: '^[a-z0-9-]+$' },
        name: { type: 'string' },
        installationId: { type: 'integer', minimum: 1 },
        installationAccount: login,
      },
    },
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['token', 'login'],
        properties: { token: { type: 'string', minLength: 8 }, login },
      },
    },
    orgs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['login'],
        properties: { login, members: logins },
      },
    },
    repos: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['owner', 'name', 'branches'],
        properties: {
          owner: login,
          name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
          defaultBranch: { type: 'string', minLength: 1 },
          collaborators: logins,
          branches: { type: 'object', minProperties: 1, additionalProperties: sha },
          commits: { type: 'array', items: sha },
          pulls: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['number', 'author', 'baseRef', 'headSha'],
              properties: {
                number: { type: 'integer', minimum: 1 },
                author: login,
                title: { type: 'string' },
                body: { type: 'string' },
                state: { enum: ['open', 'closed'] },
                draft: { type: 'boolean' },
                baseRef: { type: 'string', minLength: 1 },
                baseSha: sha,
                headRef: { type: 'string', minLength: 1 },
                headSha: sha,
                labels: { type: 'array', items: { type: 'string', minLength: 1 } },
                files: { type: 'array', items: { type: 'string', minLength: 1 } },
                mergeable: { type: ['boolean', 'null'] },
              },
            },
          },
          statuses: {
            type: 'object',
            propertyNames: sha,
            additionalProperties: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['context', 'state'],
                properties: {
                  context: { type: 'string' },
                  state: { enum: ['error', 'failure', 'pending', 'success'] },
                  description: { type: ['string', 'null'], maxLength: 140 },
                  targetUrl: { type: ['string', 'null'] },
                  creator: login,
                },
              },
            },
          },
        },
      },
    },
  },
};

const validateScenario = new Ajv({ allErrors: true, strict: false }).compile<GitHubScenario>(scenarioSchema);

/** Checks shape and cross references; errors name the source, the field and what is wrong. */
export function checkScenario(value: unknown, source = 'scenario'): GitHubScenario {
  if (!validateScenario(value)) {
    const problems = (validateScenario.errors ?? []).map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
          : '';
      return `${source}: ${e.instancePath || '(root)'}: ${e.message ?? e.keyword}${extra}`;
    });
    throw new Error(problems.join('\n'));
  }
  const problems: string[] = [];
  const seenRepos = new Set<string>();
  (value.repos ?? []).forEach((repo, i) => {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    if (seenRepos.has(key))
      problems.push(`${source}: /repos/${i}: repository ${repo.owner}/${repo.name} listed twice`);
    seenRepos.add(key);
    if (repo.defaultBranch && !(repo.defaultBranch in repo.branches)) {
      problems.push(`${source}: /repos/${i}/defaultBranch: branch ${repo.defaultBranch} is not in branches`);
    }
    const numbers = new Set<number>();
    (repo.pulls ?? []).forEach((pr, j) => {
      if (numbers.has(pr.number))
        problems.push(`${source}: /repos/${i}/pulls/${j}/number: #${pr.number} listed twice`);
      numbers.add(pr.number);
      if (!pr.baseSha && !(pr.baseRef in repo.branches)) {
        problems.push(
          `${source}: /repos/${i}/pulls/${j}/baseRef: branch ${pr.baseRef} is not in branches and no baseSha is given`,
        );
      }
    });
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return value;
}

/** Reads a scenario file (YAML or JSON). */
export function loadScenarioFile(file: string): GitHubScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the scenario: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  return checkScenario(parsed ?? {}, file);
}
