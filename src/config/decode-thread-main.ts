import { parentPort } from 'node:worker_threads';
import { parseConfigText, type DocumentKind } from './config-document';
import { decodeConfigText, FileProblemError } from './config-file';

/** The decode thread (decode-thread.ts): decodes one file per message and answers with the result. */
parentPort?.on('message', (request: { file: string; bytes: Uint8Array; kind: DocumentKind }) => {
  try {
    const parsed = parseConfigText(decodeConfigText(request.file, request.bytes), request.kind);
    parentPort?.postMessage({ parsed });
  } catch (error) {
    if (error instanceof FileProblemError) parentPort?.postMessage({ problem: error.problem });
    else parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
