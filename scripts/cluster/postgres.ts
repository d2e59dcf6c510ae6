import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL for the local production cluster: its own data directory and a loopback port, the
 * user and password docker-compose.yml gives its `postgresql` service (temporal/temporal), password
 * authentication as in the postgres image. PostgreSQL refuses to run as root, so under root (CI) every
 * command runs as the `postgres` system user the Debian package creates, and the data directory is its.
 */
export interface PostgresOptions {
  /** Holds the data directory, the socket and the log. */
  dir: string;
  port: number;
  user: string;
  password: string;
}

/** The newest installed PostgreSQL's bin directory (Debian's /usr/lib/postgresql/<major>/bin), or PG_BIN. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0])
    throw new Error(
      'PostgreSQL not found under /usr/lib/postgresql/<version>/bin: `apt-get install postgresql`, or set PG_BIN',
    );
  return path.join(base, majors[0], 'bin');
}

export class LocalPostgres {
  readonly dataDir: string;
  readonly logFile: string;
  private readonly bin = postgresBinDir();
  private readonly asUser = process.getuid?.() === 0 ? 'postgres' : undefined;

  constructor(readonly options: PostgresOptions) {
    this.dataDir = path.join(options.dir, 'data');
    this.logFile = path.join(options.dir, 'postgresql.log');
  }

  get version(): string {
    return path.basename(path.dirname(this.bin));
  }

  /** `host:port` as the Temporal server's `connectAddr` takes it. */
  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  private command(tool: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    const binary = path.join(this.bin, tool);
    return this.asUser
      ? run('runuser', ['-u', this.asUser, '--', binary, ...args], { cwd: this.options.dir })
      : run(binary, args, { cwd: this.options.dir });
  }

  /** initdb with the compose user as superuser and password authentication for TCP. */
  async init(): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    const pwfile = path.join(this.options.dir, 'pwfile');
    writeFileSync(pwfile, `${this.options.password}\n`, { mode: 0o600 });
    if (this.asUser) {
      // The postgres user must reach its directory: let it traverse (not list) the temp dirs above it.
      for (let dir = path.dirname(this.options.dir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
        const { mode } = statSync(dir);
        if ((mode & 0o001) !== 0) break;
        chmodSync(dir, mode | 0o011);
      }
      const { uid, gid } = await this.systemUser(this.asUser);
      chownSync(this.options.dir, uid, gid);
      chownSync(pwfile, uid, gid);
    }
    await this.command('initdb', [
      `--pgdata=${this.dataDir}`,
      `--username=${this.options.user}`,
      `--pwfile=${pwfile}`,
      '--auth-local=scram-sha-256',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
    ]);
  }

  private async systemUser(name: string): Promise<{ uid: number; gid: number }> {
    const { stdout } = await run('id', ['-u', name]);
    const { stdout: group } = await run('id', ['-g', name]);
    return { uid: Number(stdout.trim()), gid: Number(group.trim()) };
  }

  /**
   * Starts the server on 127.0.0.1 only (its socket in the temp dir) and waits until it accepts connections.
   * Everything else is PostgreSQL's defaults, as in the postgres image (max_connections 100, fsync on).
   */
  async start(): Promise<void> {
    await this.command('pg_ctl', [
      'start',
      `--pgdata=${this.dataDir}`,
      `--log=${this.logFile}`,
      '--wait',
      '--timeout=60',
      `--options=-c listen_addresses=127.0.0.1 -p ${this.options.port} -c unix_socket_directories=${this.options.dir}`,
    ]);
  }

  /**
   * Stops the server. `immediate` is a crash as far as clients see: every connection is cut at once and the
   * next start runs crash recovery.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running()) return;
    await this.command('pg_ctl', [
      'stop',
      `--pgdata=${this.dataDir}`,
      `--mode=${mode}`,
      '--wait',
      '--timeout=60',
    ]);
  }

  /** The postmaster's pid while it runs (from postmaster.pid). */
  pid(): number | undefined {
    const file = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  running(): boolean {
    return this.pid() !== undefined;
  }

  /** Last resort for an exit handler: synchronous, no waiting (SIGQUIT = immediate shutdown). */
  killNow(): void {
    const pid = this.pid();
    if (pid) process.kill(pid, 'SIGQUIT');
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }
}
