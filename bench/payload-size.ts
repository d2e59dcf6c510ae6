/**
 * Issue 13's payload budget: how large the presubmit index makes a change run's input and result on the wire,
 * for the Kubernetes project's real Prow config (2,261 presubmits) and ten times it (its job files replicated
 * with renamed orgs, as bench/scale.ts builds it). Run compiled:
 *
 *   npm run build && node dist/bench/payload-size.js        BENCH_SIZES=1,10 (default)
 *
 * The snapshot is what the load activity returns (createActivities(...).loadAndValidateConfig on the files);
 * each form is turned into a payload by the SDK's default payload converter and, after, the worker's payload
 * codec, and measured as Temporal counts it (the protobuf-encoded Payload). Temporal warns from 512 KB per
 * payload and refuses 2 MB.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createActivities } from '../activities';
import { readStoredIndex } from '../src/config/presubmit-index/index-codec';
import { silentLogger } from '../src/log';
import { projectRoot } from '../src/project-root';
import { ZlibPayloadCodec, encodingOf } from '../src/temporal/payload-codec';
import { kb } from './support/history';
import { copyJobTree } from './support/prow-config-scale';

/** The Kubernetes Prow config beside the project (or beside a worktree's parent, as github-reads.ts looks). */
const sourceDir =
  [
    path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config'),
    path.join(projectRoot, '..', '..', 'shared', 'data', 'kubernetes-prow-config', 'config'),
  ].find((dir) => existsSync(dir)) ?? '';
const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const wireBytes = (payload: Payload): number =>
  temporal.api.common.v1.Payload.encode(payload).finish().length;
const verdict = (bytes: number): string =>
  bytes > 2 * 1024 * 1024 ? 'REFUSED (> 2 MB)' : bytes > 512 * 1024 ? 'warned (> 512 KB)' : 'ok';

async function measure(copies: number): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'payload-size-'));
  try {
    cpSync(path.join(sourceDir, 'prow'), path.join(dir, 'prow'), { recursive: true });
    if (copies === 1) cpSync(path.join(sourceDir, 'jobs'), path.join(dir, 'jobs'), { recursive: true });
    else copyJobTree(path.join(sourceDir, 'jobs'), path.join(dir, 'jobs'), copies);
    const activities = createActivities({
      configSource: {
        configPath: path.join(dir, 'prow', 'config.yaml'),
        jobConfigPath: path.join(dir, 'jobs'),
      },
      github: () => Promise.reject(new Error('not used')),
      prowJobs: () => {
        throw new Error('not used');
      },
      githubHost: 'github.com',
      log: silentLogger,
    });
    const snapshot = await activities.loadAndValidateConfig({ sourceRevision: 'bench' });
    const index = readStoredIndex(snapshot.index);
    // Before issue 13: the full index entries, JSON, gzip level 9, base64, inside the JSON payload.
    const blob = (await promisify(gzip)(JSON.stringify(index), { level: 9 })).toString('base64');
    const codec = new ZlibPayloadCodec();
    const forms: [string, unknown][] = [
      ['before: index as gzip+base64 string', { ...snapshot, index: blob }],
      ['full index entries as plain JSON', { ...snapshot, index }],
      ['after: wire form as plain JSON', snapshot],
    ];
    const rows: string[] = [];
    for (const [label, value] of forms) {
      const payload = defaultPayloadConverter.toPayload(value);
      rows.push(
        `  ${label.padEnd(40)} ${kb(wireBytes(payload)).padStart(10)}  ${verdict(wireBytes(payload))}`,
      );
    }
    const plain = defaultPayloadConverter.toPayload(snapshot);
    const started = process.hrtime.bigint();
    const [encoded] = await codec.encode([plain]);
    const encodeMs = Number(process.hrtime.bigint() - started) / 1e6;
    const decodeStarted = process.hrtime.bigint();
    await codec.decode([encoded as Payload]);
    const decodeMs = Number(process.hrtime.bigint() - decodeStarted) / 1e6;
    const bytes = wireBytes(encoded as Payload);
    rows.push(
      `  ${`after: wire form + codec (${encodingOf(encoded as Payload)})`.padEnd(40)} ${kb(bytes).padStart(10)}  ${verdict(bytes)}` +
        `  (encode ${encodeMs.toFixed(0)} ms, decode ${decodeMs.toFixed(0)} ms)`,
    );
    return [
      `${copies}x: ${snapshot.presubmitCount} presubmits in ${snapshot.repoCount} repositories`,
      ...rows,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!sourceDir)
    throw new Error('the Kubernetes Prow config (shared/data/kubernetes-prow-config) was not found');
  const sizes = (process.env.BENCH_SIZES ?? '1,10').split(',').map(Number);
  out("The config snapshot (a change run input's baseline, its result's newest) as one Temporal payload:");
  for (const copies of sizes) {
    out();
    for (const line of await measure(copies)) out(line);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
