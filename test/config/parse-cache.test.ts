import { createHash } from 'node:crypto';
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
    // Named by its content (the same in every process): the first 96 bits of the bytes' SHA-256.
    const sha = createHash('sha256').update(jobs).digest('hex');
    expect(parsed.jobs?.key).toBe(`#${sha.slice(0, 24)}`);
    cache.sweep();
    expect(cache.parse('a.yaml', Buffer.from(jobs), 'job')).toBe(parsed);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
  });

  it.each([
    ['held as objects (within the byte budget)', 16 * 1024 * 1024],
    ['kept compressed (past the byte budget)', 0],
  ])('saves and restores a job file %s, with the same document and jobs', (_label, budget) => {
    const jobs = Buffer.from('presubmits:\n  org/repo:\n  - name: a\n    spec: {containers: [{image: x}]}\n');
    const cache = new ParseCache(budget);
    const parsed = cache.parse('a.yaml', jobs, 'job');
    cache.sweep();
    const state = cache.exportState();
    const restored = new ParseCache();
    restored.restore({ files: state.files, entries: [...state.entries] });
    const again = restored.parse('a.yaml', Buffer.from(jobs), 'job');
    expect({ hits: restored.hits, misses: restored.misses, restoredHits: restored.restoredHits }).toEqual({
      hits: 1,
      misses: 0,
      restoredHits: 1,
    });
    expect(again.value).toEqual(parsed.value);
    expect(again.jobs?.key).toBe(parsed.jobs?.key);
    expect(again.jobs?.jobs()).toEqual(parsed.jobs?.jobs());
    // Saved again from the restored cache: the same bytes, so nothing was decoded to save it.
    restored.sweep();
    const resaved = [...restored.exportState().entries];
    expect(resaved.map(([key]) => key)).toEqual([...cache.exportState().entries].map(([key]) => key));
    expect(Buffer.compare(resaved[0]![1], [...cache.exportState().entries][0]![1])).toBe(0);
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
