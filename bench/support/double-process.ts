import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type {
  DoubleAnswer,
  DoubleMessage,
  DoubleReplies,
  DoubleRequest,
  DoubleSpec,
  DoubleStarted,
} from './double-protocol';

/** The GitHub double in a process of its own (double-child.ts), driven over IPC. */
export class DoubleProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exited?: string;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (answer: DoubleAnswer) => {
      const waiter = this.pending.get(answer.id);
      if (!waiter) return;
      this.pending.delete(answer.id);
      if (answer.ok) waiter.resolve(answer.result);
      else waiter.reject(new Error(`github double process: ${answer.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = `exited with ${signal ?? code}`;
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`github double process ${this.exited}`));
      this.pending.clear();
    });
  }

  /** Forks the compiled child (benchmarks run from dist/) and starts the double with this scenario. */
  static async start(spec: DoubleSpec): Promise<{ double: DoubleProcess; started: DoubleStarted }> {
    const child = fork(path.join(__dirname, 'double-child.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=6144'],
    });
    const double = new DoubleProcess(child);
    const started = await double.ask({ op: 'start', spec });
    return { double, started };
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  ask<R extends DoubleRequest>(request: R): Promise<DoubleReplies[R['op']]> {
    if (this.exited) return Promise.reject(new Error(`github double process ${this.exited}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, request } satisfies DoubleMessage);
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.ask({ op: 'close' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }
}
