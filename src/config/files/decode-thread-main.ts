import { parentPort } from 'node:worker_threads';
import { parseConfigText, type DocumentKind } from './config-document';
import { decodeConfigText, FileProblemError } from './config-file';
import { MAX_LISTED_PROBLEMS } from './config-reader';
import { takePieces, type DecodedPiece } from './decoded-pieces';

type Request = { file: string; bytes: Uint8Array; kind: DocumentKind } | { next: true };

/** The long lists of the file last decoded, not yet sent: the main thread asks for them one at a time. */
let pending: DecodedPiece[] = [];

/**
 * The decode thread (decode-thread.ts): decodes one file per request and answers with the result, its long
 * lists taken out (decoded-pieces.ts); then sends one piece of them per `next` request.
 */
parentPort?.on('message', (request: Request) => {
  if ('next' in request) {
    parentPort?.postMessage({ piece: pending.shift() });
    return;
  }
  pending = [];
  try {
    const parsed = parseConfigText(decodeConfigText(request.file, request.bytes), request.kind);
    // A hostile file can hold a problem per few bytes; the load lists at most MAX_LISTED_PROBLEMS, and
    // copying the rest to the main thread would cost its heap and a long pause there.
    if (parsed.problems.length > MAX_LISTED_PROBLEMS) {
      const more = parsed.problems.length - MAX_LISTED_PROBLEMS;
      parsed.problems = [
        ...parsed.problems.slice(0, MAX_LISTED_PROBLEMS),
        { message: `${more} more problems in this file are not listed` },
      ];
    }
    pending = takePieces(parsed.value);
    parentPort?.postMessage({ parsed, pieces: pending.length });
  } catch (error) {
    if (error instanceof FileProblemError) parentPort?.postMessage({ problem: error.problem });
    else parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
