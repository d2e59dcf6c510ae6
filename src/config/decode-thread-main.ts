import { parentPort } from 'node:worker_threads';
import { parseConfigText, type DocumentKind } from './config-document';
import { decodeConfigText, FileProblemError } from './config-file';
import { MAX_LISTED_PROBLEMS } from './config-reader';

/** The decode thread (decode-thread.ts): decodes one file per message and answers with the result. */
parentPort?.on('message', (request: { file: string; bytes: Uint8Array; kind: DocumentKind }) => {
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
    parentPort?.postMessage({ parsed });
  } catch (error) {
    if (error instanceof FileProblemError) parentPort?.postMessage({ problem: error.problem });
    else parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
