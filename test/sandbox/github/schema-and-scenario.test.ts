import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { normalizeSchema, slicedOperations, sliceDescription } from '../../../scripts/slice-github-openapi';
import { githubOpenApiSlice } from '../../../sandbox/github/openapi-document';
import { GitHubState } from '../../../sandbox/github/github-state';
import { RequestLog } from '../../../sandbox/github/request-log';
import { checkScenario, loadScenarioFile } from '../../../sandbox/github/scenario';
import { generateScenario } from '../../../sandbox/github/scenario-generator';
import { GitHubSchemaValidator } from '../../../sandbox/github/schema-validator';
import { sha } from './small-scenario';

const validator = new GitHubSchemaValidator(githubOpenApiSlice);

describe('the committed OpenAPI slice', () => {
  test('holds exactly the sliced operations, without examples', () => {
    const ids = Object.values(githubOpenApiSlice.paths).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    expect(ids.sort()).toEqual([...slicedOperations].sort());
    expect(JSON.stringify(githubOpenApiSlice)).not.toMatch(/"examples?":/);
  });

  test('slicing is idempotent: every $ref resolves inside the slice and nothing is missing', () => {
    // sliceDescription throws on a dangling $ref; re-slicing the slice must give back its components.
    const { slice } = sliceDescription(githubOpenApiSlice as never);
    expect(slice.components).toEqual(githubOpenApiSlice.components);
    expect(slice.paths).toEqual(githubOpenApiSlice.paths);
  });

  test.each([
    [
      'nullable enum gets null',
      { type: 'string', nullable: true, enum: ['a'] },
      { type: 'string', nullable: true, enum: ['a', null] },
    ],
    [
      'type-less nullable is wrapped in anyOf',
      { nullable: true, description: 'd', allOf: [{ $ref: '#/x' }] },
      { anyOf: [{ allOf: [{ $ref: '#/x' }] }, { type: 'null' }], description: 'd' },
    ],
    [
      'nested properties are normalized',
      { type: 'object', properties: { s: { nullable: true, enum: ['x'], type: 'string' } } },
      { type: 'object', properties: { s: { nullable: true, enum: ['x', null], type: 'string' } } },
    ],
  ])('normalization: %s', (_name, input, output) => {
    expect(normalizeSchema(input as never)).toEqual(output);
  });
});

describe('response validation', () => {
  const label = {
    id: 1,
    node_id: 'x',
    url: 'https://api.example/l',
    name: 'lgtm',
    description: null,
    color: 'ededed',
    default: false,
  };

  test('a valid body passes', () => {
    expect(validator.validateResponse('issues/list-labels-on-issue', 200, [label])).toEqual([]);
  });

  test.each([
    ['an invented top-level key', [{ ...label, weight: 3 }], /\/0\/weight is not declared/],
    ['a missing required key', [{ ...label, color: undefined }], /must have required property 'color'/],
    ['a wrong type', [{ ...label, id: 'one' }], /\/0\/id must be integer/],
    ['a body where none is declared', undefined, /declares a body, none was sent/],
  ])('flags %s', (_name, body, problem) => {
    expect(validator.validateResponse('issues/list-labels-on-issue', 200, body).join('\n')).toMatch(problem);
  });

  test('a nested invented key is flagged through $ref and anyOf', () => {
    const problems = validator.validateResponse('repos/create-commit-status', 201, {
      url: 'https://a.example/s',
      avatar_url: null,
      id: 1,
      node_id: 'n',
      state: 'success',
      description: null,
      target_url: null,
      context: 'c',
      created_at: '2020-01-01T00:00:00Z',
      updated_at: '2020-01-01T00:00:00Z',
      creator: { login: 'x', invented: true },
    });
    expect(problems.join('\n')).toMatch(/\/creator\/invented is not declared/);
  });

  test('204 responses must not carry a body; errors use GitHub error shapes', () => {
    expect(validator.validateResponse('repos/check-collaborator', 204, undefined)).toEqual([]);
    expect(validator.validateResponse('repos/check-collaborator', 204, { x: 1 })).not.toEqual([]);
    expect(validator.validateResponse('pulls/get', 502, { message: 'Bad gateway' })).toEqual([]);
    expect(validator.validateResponse('pulls/get', 403, { message: 'x', extra: 1 })).not.toEqual([]);
  });

  test('requests are coerced and defaulted from the description', () => {
    const r = validator.validateRequest('pulls/list', {
      params: { owner: 'o', repo: 'r' },
      query: { per_page: '100' },
      body: undefined,
    });
    expect(r).toEqual({
      ok: true,
      request: {
        params: { owner: 'o', repo: 'r' },
        query: { per_page: 100, page: 1, state: 'open', sort: 'created' },
        body: undefined,
      },
    });
    const bad = validator.validateRequest('pulls/list', {
      params: { owner: 'o', repo: 'r' },
      query: { state: 'merged' },
      body: undefined,
    });
    expect(bad).toMatchObject({ ok: false, status: 422 });
  });
});

describe('scenarios', () => {
  test.each([
    [
      'unknown top-level key',
      { repo: [] },
      /scenario: \(root\): must NOT have additional properties \(repo\)/,
    ],
    [
      'bad SHA',
      { repos: [{ owner: 'o', name: 'r', branches: { main: 'abc' } }] },
      /\/repos\/0\/branches\/main: must match pattern/,
    ],
    [
      'PR on a missing base branch',
      {
        repos: [
          {
            owner: 'o',
            name: 'r',
            branches: { main: sha(1) },
            pulls: [{ number: 1, author: 'a', baseRef: 'dev', headSha: sha(2) }],
          },
        ],
      },
      /\/repos\/0\/pulls\/0\/baseRef: branch dev is not in branches/,
    ],
    [
      'duplicate PR number',
      {
        repos: [
          {
            owner: 'o',
            name: 'r',
            branches: { main: sha(1) },
            pulls: [
              { number: 1, author: 'a', baseRef: 'main', headSha: sha(2) },
              { number: 1, author: 'b', baseRef: 'main', headSha: sha(3) },
            ],
          },
        ],
      },
      /\/repos\/0\/pulls\/1\/number: #1 listed twice/,
    ],
    [
      'description over 140',
      {
        repos: [
          {
            owner: 'o',
            name: 'r',
            branches: { main: sha(1) },
            statuses: { [sha(1)]: [{ context: 'c', state: 'success', description: 'x'.repeat(141) }] },
          },
        ],
      },
      /description: must NOT have more than 140 characters/,
    ],
  ])('bad scenario: %s', (_name, scenario, message) => {
    expect(() => checkScenario(scenario)).toThrow(message);
  });

  test('a YAML scenario file loads; errors name the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gh-scenario-'));
    const good = path.join(dir, 'good.yaml');
    writeFileSync(
      good,
      `orgs:\n  - login: acme\n    members: [alice]\nrepos:\n  - owner: acme\n    name: w\n    branches:\n      main: "${sha(1)}"\n`,
    );
    expect(loadScenarioFile(good).repos?.[0]?.branches.main).toBe(sha(1));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'repos:\n  - owner: acme\n');
    expect(() => loadScenarioFile(bad)).toThrow(`${bad}: /repos/0: must have required property 'name'`);
    expect(() => loadScenarioFile(path.join(dir, 'missing.yaml'))).toThrow(
      /missing.yaml: cannot read the scenario/,
    );
  });

  test('generateScenario is deterministic and valid', () => {
    const a = generateScenario({ repos: 3, prsPerRepo: 20, contextsPerPr: 4, seed: 42 });
    expect(generateScenario({ repos: 3, prsPerRepo: 20, contextsPerPr: 4, seed: 42 })).toEqual(a);
    expect(generateScenario({ repos: 3, prsPerRepo: 20, contextsPerPr: 4, seed: 43 })).not.toEqual(a);
    expect(() => checkScenario(a)).not.toThrow();
    expect(a.repos).toHaveLength(3);
    expect(a.repos?.[0]?.pulls).toHaveLength(20);
    expect(Object.values(a.repos?.[0]?.statuses ?? {})[0]).toHaveLength(4);
  });

  test('a large generated scenario (300 repos, 30,000 PRs) loads quickly', () => {
    const t0 = Date.now();
    const big = generateScenario({ repos: 300, prsPerRepo: 100, contextsPerPr: 5, seed: 1 });
    const state = new GitHubState(Date.now, 'bot[bot]');
    state.load(checkScenario(big));
    const pulls = [...state.repos.values()].reduce((n, r) => n + r.pulls.size, 0);
    expect(pulls).toBe(30_000);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

describe('request log monitors', () => {
  const entry = (startedAt: number, endedAt: number, write = false) => ({
    method: write ? 'POST' : 'GET',
    path: '/x',
    query: '',
    status: 200,
    tokenHash: 't',
    write,
    startedAt,
    endedAt,
  });

  test.each<[string, [number, number][], number]>([
    [
      'back to back',
      [
        [0, 10],
        [10, 20],
      ],
      1,
    ],
    [
      'overlapping',
      [
        [0, 10],
        [5, 20],
      ],
      2,
    ],
    [
      'answered within the same millisecond inside another',
      [
        [0, 10],
        [5, 5],
      ],
      2,
    ],
    [
      'three at once',
      [
        [0, 10],
        [1, 9],
        [2, 2],
      ],
      3,
    ],
  ])('maxConcurrency: %s', (_name, spans, expected) => {
    const log = new RequestLog();
    for (const [s, e] of spans) log.record(entry(s, e));
    expect(log.maxConcurrency('t')).toBe(expected);
  });

  test('minWriteSpacingMs looks at writes only', () => {
    const log = new RequestLog();
    log.record(entry(0, 1, true));
    log.record(entry(100, 101));
    log.record(entry(1000, 1001, true));
    log.record(entry(2500, 2501, true));
    expect(log.minWriteSpacingMs()).toBe(1000);
    expect(new RequestLog().minWriteSpacingMs()).toBe(Infinity);
  });
});
