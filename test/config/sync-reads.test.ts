import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  MAX_CONFIG_FILE_BYTES,
  readConfigBytes,
  readConfigBytesSync,
} from '../../src/config/files/config-file';

/**
 * check-config reads files with synchronous calls (readConfigBytesSync), a worker with promises
 * (readConfigBytes): both must give the same bytes, or fail with the same error, for every kind of path.
 */

type Outcome = { bytes: string } | { error: string; message: string };

const outcome = (read: () => Buffer): Outcome => {
  try {
    return { bytes: read().toString('base64') };
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
};

describe('readConfigBytesSync', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sync-reads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string): string => path.join(dir, name);

  writeFileSync(at('plain.yaml'), 'presubmits: {}\n');
  writeFileSync(at('empty.yaml'), '');
  writeFileSync(at('gzipped.yaml'), gzipSync('periodics: []\n'));
  writeFileSync(at('bad-gzip.yaml'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  writeFileSync(at('too-large.yaml'), '');
  truncateSync(at('too-large.yaml'), MAX_CONFIG_FILE_BYTES + 1);
  mkdirSync(at('a-directory.yaml'));
  symlinkSync('/dev/zero', at('dev-zero.yaml'));
  symlinkSync(at('nowhere'), at('dangling.yaml'));
  execFileSync('mkfifo', [at('fifo.yaml')]);

  it.each([
    ['a regular file', 'plain.yaml', false],
    ['an empty file', 'empty.yaml', false],
    ['a gzipped file', 'gzipped.yaml', true],
    ['a gzipped file without gzip', 'gzipped.yaml', false],
    ['broken gzip', 'bad-gzip.yaml', true],
    ['a file over the size limit', 'too-large.yaml', false],
    ['a directory', 'a-directory.yaml', false],
    ['a link to a character device', 'dev-zero.yaml', false],
    ['a dangling link', 'dangling.yaml', false],
    ['a missing file', 'missing.yaml', false],
    ['a named pipe', 'fifo.yaml', false],
  ])('%s: as readConfigBytes', async (_label, name, gzip) => {
    let asynchronous: Outcome;
    try {
      asynchronous = { bytes: (await readConfigBytes(at(name), { gzip })).toString('base64') };
    } catch (error) {
      asynchronous = { error: (error as Error).constructor.name, message: (error as Error).message };
    }
    expect(outcome(() => readConfigBytesSync(at(name), { gzip }))).toEqual(asynchronous);
  });
});
