/**
 * A worker cannot start, for a reason the operator can fix: the message says what is wrong and `fix` says
 * exactly what to run or which flag to change. The worker logs both and exits non-zero.
 */
export class StartupError extends Error {
  override name = 'StartupError';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(`${message}: ${fix}`);
  }
}

/** Where a server listens and the flags that move it. */
export interface ListenTarget {
  /** What listens, for the message ("health", "metrics"). */
  what: string;
  host: string;
  port: number;
  portFlag: string;
  addressFlag: string;
}

/** A listen error named by what listens and the flag that moves it; other errors pass through. */
export function listenError(err: unknown, target: ListenTarget): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${target.host}:${target.port}`;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `the ${target.what} address ${where} is already in use (another worker on this host?)`,
      `choose another port with --${target.portFlag}`,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAFNOSUPPORT')
    return new StartupError(
      `the ${target.what} address ${where} cannot be bound (${code})`,
      `set --${target.addressFlag} to an address of this host, such as 0.0.0.0 or 127.0.0.1`,
    );
  if (code === 'EACCES')
    return new StartupError(
      `the ${target.what} port ${target.port} needs privileges this process lacks`,
      `choose a port above 1023 with --${target.portFlag}`,
    );
  return err;
}
