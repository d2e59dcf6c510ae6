import type { FlagName, FlagSpec } from '../options';

/** One `status-reconciler` command: what its help shows, the flags it reads, and how it runs. */
export interface Command {
  summary: string;
  /** Operands after the command, for its usage line. */
  operands?: string;
  /** The worker flags it reads. */
  accepts: readonly FlagName[];
  /** Its own flags. */
  flags?: Record<string, FlagSpec>;
  run(argv: string[], command: Command): Promise<number>;
}
