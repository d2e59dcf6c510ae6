/**
 * A decoded file's long lists, taken out so the decode thread can hand them to the main thread a piece
 * at a time (decode-thread.ts). Copying a 5 MB file's 50,000 decoded jobs in one message blocked the main
 * thread for 0.3 to 0.6 s while it deserialized them; in pieces of PIECE_ITEMS, with a turn of the event
 * loop between pieces, each copy takes a few milliseconds.
 *
 * The lists taken are the document's top-level arrays (periodics, presets) and the arrays one level down
 * (presubmits and postsubmits by repository) with more than PIECE_ITEMS items. They are emptied in place,
 * so the skeleton sent first keeps every key in its order, and refilled in order on the main thread.
 */

export const PIECE_ITEMS = 1_000;

export interface DecodedPiece {
  /** The list's key in the document, and in that value when the list is one level down. */
  path: [string] | [string, string];
  items: unknown[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Empties `value`'s long lists in place and returns their items, in pieces of at most PIECE_ITEMS. */
export function takePieces(value: Record<string, unknown> | undefined): DecodedPiece[] {
  const pieces: DecodedPiece[] = [];
  const take = (list: unknown[], path: DecodedPiece['path']): void => {
    if (list.length <= PIECE_ITEMS) return;
    const items = list.splice(0);
    for (let start = 0; start < items.length; start += PIECE_ITEMS)
      pieces.push({ path, items: items.slice(start, start + PIECE_ITEMS) });
  };
  for (const key of Object.keys(value ?? {})) {
    const member = value?.[key];
    if (Array.isArray(member)) take(member, [key]);
    else if (isRecord(member))
      for (const inner of Object.keys(member)) {
        const list = member[inner];
        if (Array.isArray(list)) take(list, [key, inner]);
      }
  }
  return pieces;
}

/** Appends a piece's items to the list it was taken from (emptied, in the skeleton `value`). */
export function putPiece(value: Record<string, unknown> | undefined, piece: DecodedPiece): void {
  const [key, inner] = piece.path;
  const member = Object.hasOwn(value ?? {}, key) ? value?.[key] : undefined;
  const list =
    inner === undefined
      ? member
      : isRecord(member) && Object.hasOwn(member, inner)
        ? member[inner]
        : undefined;
  if (!Array.isArray(list))
    throw new Error(`the decode thread sent a piece of a list that is not there: ${piece.path.join('.')}`);
  for (const item of piece.items) list.push(item);
}
