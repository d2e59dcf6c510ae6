import { ParseCache } from '../../src/config/parse-cache';

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

  it('keeps no more than its byte budget of files, and still decodes the rest', () => {
    const cache = new ParseCache(first.length + second.length - 1);
    const decoded = [cache.parse('a.yaml', first, 'job'), cache.parse('b.yaml', second, 'job')];
    cache.sweep();
    expect(cache.size).toBe(1);
    expect(decoded[1]?.value).toEqual({ periodics: [] });
    cache.parse('a.yaml', first, 'job');
    cache.parse('b.yaml', second, 'job');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 3 });
  });
});
