/**
 * Loading a large config is seconds of synchronous work on the worker's only thread, which also carries
 * the activities' heartbeats and the Temporal worker's polls and workflow-task completions. The returned
 * function, awaited between units of work, gives the event loop a turn once `sliceMs` have passed since
 * the last one, so a 10x config load does not stall the worker for 5 s at a time.
 */
export function eventLoopTurns(sliceMs = 20): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };
}
