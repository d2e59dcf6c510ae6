import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchWorkerSpec } from './worker-spec';

/** What the worker process answers (worker-child.ts). */
export type WorkerChildMessage =
  | { kind: 'ready'; prebuiltBundle: boolean }
  | {
      kind: 'memory';
      heapUsed: number;
      rssAfterGc: number;
      heapAfterGc: number;
      /** Since the last `resetPeak`, sampled every 100 ms. */
      peaks: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
    }
  | { kind: 'failed'; error: string };

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * The benchmark's worker in a process of its own (worker-child.ts), as `status-reconciler worker` runs: its
 * memory is the kernel's count for that process alone — the resident set and its high-water mark (VmHWM),
 * which `resetPeak` rewinds to the current resident set (Linux `clear_refs` 5) — not sampled, so a short
 * spike between samples is not missed.
 */
export class WorkerProcess {
  private exited?: string;
  private readonly answers: WorkerChildMessage[] = [];
  private readonly waiters: (() => void)[] = [];

  /** Whether the worker loaded the bundle `npm run build` wrote (as production does) or bundled at start. */
  prebuiltBundle = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: WorkerChildMessage) => {
      this.answers.push(message);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    child.on('exit', (code, signal) => {
      this.exited = `exited with ${signal ?? code}`;
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  static async start(spec: BenchWorkerSpec, execArgv: string[] = []): Promise<WorkerProcess> {
    const child = fork(path.join(__dirname, 'worker-child.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--expose-gc', ...execArgv],
    });
    const worker = new WorkerProcess(child);
    child.send({ op: 'start', spec });
    const ready = await worker.next();
    if (ready.kind !== 'ready')
      throw new Error(`worker process: ${ready.kind === 'failed' ? ready.error : ready.kind}`);
    worker.prebuiltBundle = ready.prebuiltBundle;
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private async next(): Promise<WorkerChildMessage> {
    while (this.answers.length === 0) {
      if (this.exited) throw new Error(`worker process ${this.exited}`);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
    return this.answers.shift() as WorkerChildMessage;
  }

  rss(): number {
    return procStatusKb(this.pid, 'VmRSS');
  }

  /** The most resident memory since the process started or since the last `resetPeak`. */
  peak(): number {
    return procStatusKb(this.pid, 'VmHWM');
  }

  resetPeak(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    this.child.send({ op: 'reset-peaks' });
  }

  /** Heap in use now, and the resident set and heap after two full garbage collections. */
  async memory(): Promise<Extract<WorkerChildMessage, { kind: 'memory' }>> {
    this.child.send({ op: 'memory' });
    const answer = await this.next();
    if (answer.kind !== 'memory') throw new Error(`worker process answered ${answer.kind}`);
    return answer;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ op: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }
}
