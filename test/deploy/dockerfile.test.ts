import path from 'node:path';
import { existsSync } from 'node:fs';
import { main } from '../../src/cli/main';
import { readOptions } from '../../src/options';
import { prebuiltBundlePath, workflowsPath } from '../../src/worker/workflow-bundle';
import { fromRoot, projectRoot, readText } from './support/deploy-files';

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions (continuations joined, comments dropped), each with its stage's index. */
function parseDockerfile(text: string): { args: Record<string, string>; instructions: Instruction[] } {
  const lines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const args: Record<string, string> = {};
  const instructions: Instruction[] = [];
  let stage = -1;
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') stage++;
    if (upper === 'ARG' && stage < 0) {
      const [name = '', value = ''] = rest.split('=');
      args[name] = value;
    }
    instructions.push({ keyword: upper, args: rest, stage });
  }
  return { args, instructions };
}

const { args, instructions } = parseDockerfile(readText('Dockerfile'));
/** The doubles' image for docker-compose.yml: not the production one. */
const sandboxImage = parseDockerfile(readText('sandbox/Dockerfile'));
const froms = instructions.filter((i) => i.keyword === 'FROM');
const stageNames = froms.map((f) => / AS (\S+)$/i.exec(f.args)?.[1] ?? '');
const final = froms.length - 1;
const inStage = (stage: number, keyword: string): Instruction[] =>
  instructions.filter((i) => i.stage === stage && i.keyword === keyword);
const runs = (stage: number): string =>
  inStage(stage, 'RUN')
    .map((i) => i.args)
    .join(' && ');
const baseImage = (from: Instruction): string =>
  (from.args.split(/\s+/)[0] ?? '').replace(/^\$\{?(\w+)\}?$/, (_all, name: string) => args[name] ?? '');
const jsonArray = (stage: number, keyword: string): unknown =>
  JSON.parse(inStage(stage, keyword).at(-1)?.args ?? 'null');
const pkg = JSON.parse(readText('package.json')) as { engines: { node: string } };
const prodTsconfig = JSON.parse(readText('tsconfig.prod.json')) as { include: string[] };

describe('Dockerfile', () => {
  it('is multi-stage: a build stage, then a runtime stage', () => {
    expect(stageNames).toEqual(['build', 'runtime']);
  });

  it.each(froms.map((f, i) => [stageNames[i], f] as const))(
    '%s stage: Node 20 on Debian bookworm-slim, exact version (not Alpine, not latest)',
    (_name, from) => {
      expect(baseImage(from)).toMatch(/^node:20\.\d+\.\d+-bookworm-slim(@sha256:[a-f0-9]{64})?$/);
    },
  );

  it("satisfies package.json's engines.node with its Node version", () => {
    const [major, minor] = (/^node:(\d+)\.(\d+)\./.exec(baseImage(froms[0] as Instruction)) ?? [])
      .slice(1)
      .map(Number);
    const [, wantMajor, wantMinor] = (/^>=(\d+)\.(\d+)/.exec(pkg.engines.node) ?? []).map(Number);
    expect(major).toBe(wantMajor);
    expect(minor).toBeGreaterThanOrEqual(wantMinor ?? Infinity);
  });

  it('builds with every dependency (npm ci) and the production build (`npm run build:prod`)', () => {
    expect(runs(0)).toMatch(/\bnpm ci\b(?![^&]*--omit)/);
    expect(runs(0)).toMatch(/\bnpm run build:prod\b/);
    const scripts = (JSON.parse(readText('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['build:prod']).toMatch(/^tsc -p tsconfig\.prod\.json && /);
  });

  it('copies into the build stage exactly what tsconfig.prod.json compiles: src, workflows, activities', () => {
    expect([...prodTsconfig.include].sort()).toEqual(['activities', 'src', 'workflows']);
    const copied = inStage(0, 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.sort()).toEqual(
      [
        ...prodTsconfig.include,
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.prod.json',
      ].sort(),
    );
    // No double, benchmark or test reaches the image (test/deploy/production-tree.test.ts: src/ imports none).
    for (const dir of ['sandbox', 'bench', 'test']) expect(copied).not.toContain(dir);
  });

  it('installs production dependencies only at run time (npm ci --omit=dev)', () => {
    expect(runs(final)).toMatch(/\bnpm ci --omit=dev\b/);
    expect(runs(final)).not.toMatch(/\bnpm (install|i)\b/);
    expect(runs(final)).not.toMatch(/\bnpm run build\b/);
  });

  it('copies the compiled code from the build stage, including the workflows and their prebuilt bundle', () => {
    const fromBuild = inStage(final, 'COPY')
      .filter((i) => i.args.startsWith('--from=build '))
      .map((i) => i.args.split(/\s+/)[1] ?? '');
    expect(fromBuild).toEqual(
      expect.arrayContaining(['/app/dist/src', '/app/dist/workflows', '/app/dist/activities']),
    );
    // The worker loads the bundle `npm run build` writes beside the compiled workflows (or bundles them at start
    // when it is missing): both are in dist/workflows of the image.
    expect(workflowsPath.startsWith(fromRoot('workflows'))).toBe(true);
    expect(path.dirname(prebuiltBundlePath)).toBe(path.dirname(workflowsPath));
  });

  it('caps the JavaScript heap by default (V8 would size it from the host, not the container)', () => {
    const env = inStage(final, 'ENV').map((i) => i.args);
    expect(env.join('\n')).toMatch(/^NODE_OPTIONS=--max-old-space-size=\d+$/m);
  });

  it('limits glibc to two malloc arenas (per-thread arenas kept freed memory resident)', () => {
    const env = inStage(final, 'ENV').map((i) => i.args);
    expect(env).toContain('MALLOC_ARENA_MAX=2');
  });

  it('runs as a non-root user', () => {
    const user = inStage(final, 'USER').at(-1)?.args ?? '';
    expect(user).not.toBe('');
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    // Numeric, so Kubernetes' runAsNonRoot can verify it without looking into /etc/passwd.
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    const lastRun = Math.max(...instructions.map((i, n) => (i.keyword === 'RUN' ? n : -1)));
    const userAt = instructions.findIndex((i) => i.stage === final && i.keyword === 'USER');
    expect(userAt).toBeGreaterThan(lastRun);
  });

  it('starts `status-reconciler worker`: ENTRYPOINT the compiled CLI, CMD worker', async () => {
    expect(jsonArray(final, 'ENTRYPOINT')).toEqual(['node', 'dist/src/cli/main.js']);
    expect(jsonArray(final, 'CMD')).toEqual(['worker']);
    expect(existsSync(fromRoot('src', 'cli', 'main.ts'))).toBe(true);
    // `worker` is a command of that CLI (its help answers 0; an unknown command answers 2).
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['worker', '--help'])).toBe(0);
      expect(write.mock.calls.map(([text]) => String(text)).join('')).toContain('--temporal-address');
    } finally {
      write.mockRestore();
    }
  });

  it('exposes the health, metrics and Temporal metrics ports the worker serves by default', () => {
    const defaults = readOptions([], {});
    const exposed = inStage(final, 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map(Number)
      .sort();
    expect(exposed).toEqual([defaults.healthPort, defaults.metricsPort, defaults.temporalMetricsPort].sort());
  });
});

describe('.dockerignore', () => {
  const rules = readText('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('excludes everything by default (allow-list: no node_modules, dist, .data, .git in the context)', () => {
    expect(rules[0]).toBe('*');
  });

  it.each(
    [...instructions, ...sandboxImage.instructions].filter(
      (i) => i.keyword === 'COPY' && !i.args.startsWith('--from'),
    ),
  )('lets the build context hold what `COPY $args` needs', (copy) => {
    for (const source of copy.args.split(/\s+/).slice(0, -1)) {
      expect(rules).toContain(`!${source}`);
      expect(existsSync(`${projectRoot}/${source}`)).toBe(true);
    }
  });
});

describe('sandbox/Dockerfile (the doubles of docker-compose.yml)', () => {
  const { instructions: sandbox } = sandboxImage;
  const sandboxFroms = sandbox.filter((i) => i.keyword === 'FROM');
  const sandboxTsconfig = JSON.parse(readText('tsconfig.sandbox.json')) as { include: string[] };

  it("uses the production image's Node base image", () => {
    expect(sandboxImage.args.NODE_IMAGE).toBe(args.NODE_IMAGE);
    expect(sandboxFroms.map((f) => / AS (\S+)$/i.exec(f.args)?.[1])).toEqual(['build', 'runtime']);
  });

  it("compiles the two doubles' entry points (tsconfig.sandbox.json) and copies what they need", () => {
    expect(sandboxTsconfig.include.sort()).toEqual(['sandbox/github/main.ts', 'sandbox/kubernetes/main.ts']);
    const build = sandbox.filter((i) => i.stage === 0);
    expect(build.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toContain(
      'npx tsc -p tsconfig.sandbox.json',
    );
    const copied = build.filter((i) => i.keyword === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(expect.arrayContaining(['sandbox', 'src', 'tsconfig.sandbox.json']));
  });

  it('runs as the non-root user that owns /app/.data (where the doubles write their key and kubeconfig)', () => {
    const runtime = sandbox.filter((i) => i.stage === 1);
    expect(runtime.find((i) => i.keyword === 'USER')?.args).toBe('1000:1000');
    expect(runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toContain(
      'mkdir -p /app/.data && chown node:node /app/.data',
    );
  });
});
