/** Everything started in this process, killed by an exit or signal handler if nobody stopped it. */
const live = new Set<{ killNow(): void }>();
let handlersInstalled = false;

/**
 * Registers something to kill when this process exits or is signalled (Ctrl-C, a CI timeout's SIGTERM):
 * the server, PostgreSQL and the workers are separate processes that would outlive it. A signal nobody else
 * handles is raised again once they are killed, so the process still ends as the signal says.
 */
export function killOnExit(thing: { killNow(): void }): () => void {
  live.add(thing);
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.once('exit', () => live.forEach((t) => t.killNow()));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const onSignal = (): void => {
        live.forEach((t) => t.killNow());
        if (process.listenerCount(signal) === 1) {
          process.removeListener(signal, onSignal);
          process.kill(process.pid, signal);
        }
      };
      process.on(signal, onSignal);
    }
  }
  return () => live.delete(thing);
}
