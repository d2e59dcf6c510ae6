import { packJson, packJsonList, unpackJson } from '../../src/packed-json';
import { PIECE_ITEMS, putPiece, takePieces } from '../../src/config/files/decoded-pieces';

const jobs = (count: number, prefix: string): object[] =>
  Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${i}`,
    spec: { containers: [{ image: 'a' }] },
  }));

/** A decoded document as the decode thread would send it, through a structured clone as postMessage does. */
function roundTrip(value: Record<string, unknown>): { value: Record<string, unknown>; pieces: number } {
  const pieces = takePieces(value);
  const skeleton = structuredClone(value);
  for (const piece of pieces) putPiece(skeleton, structuredClone(piece));
  return { value: skeleton, pieces: pieces.length };
}

describe('a decoded file handed back in pieces', () => {
  it.each([
    ['a short file (nothing taken)', { presubmits: { 'org/a': jobs(3, 'a') } }, 0],
    [
      'long lists at both depths, keys kept in order',
      {
        presets: jobs(PIECE_ITEMS * 2 + 1, 'preset'),
        presubmits: {
          'org/a': jobs(5, 'a'),
          'org/b': jobs(PIECE_ITEMS + 1, 'b'),
          'org/c': jobs(PIECE_ITEMS, 'c'),
        },
        postsubmits: { 'org/b': jobs(PIECE_ITEMS * 3, 'post') },
        periodics: jobs(PIECE_ITEMS + 7, 'periodic'),
      },
      3 + 2 + 3 + 2,
    ],
  ])('%s', (_, document, expectedPieces) => {
    const expected = JSON.stringify(document);
    const { value, pieces } = roundTrip(structuredClone(document));
    expect(pieces).toBe(expectedPieces);
    expect(JSON.stringify(value)).toBe(expected);
  });

  it('refuses a piece of a list the skeleton does not hold', () => {
    expect(() => putPiece({ presubmits: {} }, { path: ['presubmits', 'org/x'], items: [1] })).toThrow(
      'the decode thread sent a piece of a list that is not there: presubmits.org/x',
    );
  });
});

describe('packJsonList', () => {
  it('packs what packJson packs, giving turns', async () => {
    const list = jobs(2_500, 'job');
    let turns = 0;
    const packed = await packJsonList(list, async () => {
      turns++;
    });
    expect(turns).toBe(list.length);
    expect(unpackJson(packed)).toEqual(unpackJson(packJson(list)));
    expect(unpackJson(packed)).toEqual(list);
  });
});
