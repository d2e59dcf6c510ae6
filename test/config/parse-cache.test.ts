import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ParseCache } from '../../src/config/files/parse-cache';

describe('ParseCache', () => {
  const first = Buffer.from('presubmits: {}\n');
  const second = Buffer.from('periodics: []\n');

  it('decodes a file once while its text is unchanged', () => {
    const cache = new ParseCache();
    const parsed = cache.parse('a.yaml', first, 'job');
    cache.sweep();
    expect(cache.parse('renamed.yaml', Buffer.from(first), 'job')).toBe(parsed);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
  });

  it('drops the files the latest load did not read', () => {
    const cache = new ParseCache();
    cache.parse('a.yaml', first, 'job');
    cache.parse('b.yaml', second, 'job');
    cache.sweep();
    cache.parse('a.yaml', first, 'job');
    cache.sweep();
    expect(cache.size).toBe(1);
  });

  it('keeps files past its byte budget compressed, and hands out the same jobs', () => {
    const jobs = Buffer.from('presubmits:\n  org/repo:\n  - name: a\n    spec: {containers: [{image: x}]}\n');
    const cache = new ParseCache(0);
    const parsed = cache.parse('a.yaml', jobs, 'job');
    expect(parsed.value).toEqual({ presubmits: { 'org/repo': [undefined] } });
    expect(parsed.jobs?.jobs()).toEqual({
      presubmits: { 'org/repo': [{ name: 'a', spec: { containers: [{ image: 'x' }] } }] },
    });
    expect(parsed.jobs?.key).toMatch(/^#[0-9]+\.[0-9]+$/);
    cache.sweep();
    expect(cache.parse('a.yaml', Buffer.from(jobs), 'job')).toBe(parsed);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
  });

  it('does not read again a file whose stat is unchanged since a read that was not racy', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parse-cache-'));
    try {
      const file = path.join(dir, 'a.yaml');
      writeFileSync(file, first);
      // Its change time must be over a second old when it is read.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const cache = new ParseCache();
      expect(cache.unchanged(file, 'job')).toBeUndefined();
      const parsed = cache.parse(file, first, 'job');
      cache.sweep();
      expect(cache.unchanged(file, 'job')).toBe(parsed);
      // A new write changes the stat: read again.
      writeFileSync(file, second);
      expect(cache.unchanged(file, 'job')).toBeUndefined();
      // Read within the second of its change: not trusted next time either, even with the same stat.
      cache.parse(file, second, 'job');
      cache.sweep();
      expect(cache.unchanged(file, 'job')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
