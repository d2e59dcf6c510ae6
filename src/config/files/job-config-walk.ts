import type { Dirent } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { ConfigReadError } from '../errors';
import { decodeConfigText, fsFailure, FileProblemError, readConfigBytes } from './config-file';
import type { ConfigProblem } from '../types';

/**
 * Prow's job config directory walk (`ReadJobConfig`, V5): depth first in lexical order; names starting
 * with `..` skipped (Kubernetes ConfigMap volumes keep `..data` and timestamped `..` directories next to
 * the visible files) and such directories not entered; only `.yaml`/`.yml` files; `.prowignore` files
 * in gitignore syntax at every level, the deepest match deciding; unique basenames.
 *
 * Symbolic links below the root are not followed into: like Go's `filepath.Walk` (lstat), a link to a
 * directory is never entered, so link loops cannot hang the walk; a link to a file with a YAML name is read
 * through, as Prow's ReadFile does. The root itself is resolved when it is a link (Q15). Where Prow only
 * logs a walk error and loads a partial config, the port reports a problem and the load fails (V5, V14).
 */

export const PROW_IGNORE_FILE = '.prowignore';

export interface JobConfigWalk {
  /** Paths of the job config files to read, in walk order. */
  files: string[];
  problems: ConfigProblem[];
}

interface IgnoreScope {
  /** The directory of the `.prowignore`, relative to the root ('' for the root). */
  base: string;
  rules: Ignore;
}

/** Go's filepath.Ext: the suffix from the final dot of the name. */
function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

/** Deepest `.prowignore` with a matching rule decides, as go-gitignore's repository Match does. */
function ignored(scopes: readonly IgnoreScope[], relative: string, isDir: boolean): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i] as IgnoreScope;
    const below = scope.base ? relative.slice(scope.base.length + 1) : relative;
    const result = scope.rules.test(isDir ? `${below}/` : below);
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

async function readIgnoreScope(dir: string, base: string): Promise<IgnoreScope> {
  const file = path.join(dir, PROW_IGNORE_FILE);
  const text = decodeConfigText(file, await readConfigBytes(file, { maxBytes: 1024 * 1024 }));
  return { base, rules: ignore().add(text) };
}

/** Walks a job config directory (V5). Throws ConfigReadError on a transient I/O error. */
export async function walkJobConfigDir(root: string): Promise<JobConfigWalk> {
  const files: string[] = [];
  const problems: ConfigProblem[] = [];
  const basenames = new Set<string>();

  const fail = (error: unknown): void => {
    if (error instanceof ConfigReadError) throw error;
    if (error instanceof FileProblemError) problems.push(error.problem);
    else throw error;
  };

  const walk = async (dir: string, relative: string, scopes: readonly IgnoreScope[]): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      const failure = fsFailure('open', dir, error);
      if (failure instanceof ConfigReadError) throw failure;
      problems.push({
        file: dir,
        message: `walking path ${JSON.stringify(dir)}: ${failure.problem.message}`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let here = scopes;
    if (entries.some((entry) => entry.name === PROW_IGNORE_FILE && !entry.isDirectory())) {
      try {
        here = [...scopes, await readIgnoreScope(dir, relative)];
      } catch (error) {
        if (error instanceof FileProblemError) {
          problems.push({
            ...error.problem,
            message: `failed to create \`${PROW_IGNORE_FILE}\` parser: ${error.problem.message}`,
          });
        } else fail(error);
      }
    }
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith('..')) continue;
      const full = path.join(dir, name);
      const rel = relative ? `${relative}/${name}` : name;
      const isDir = entry.isDirectory(); // lstat semantics: a link to a directory is not one
      const ext = extension(name);
      if (ext !== '.yaml' && ext !== '.yml') {
        if (isDir) await walk(full, rel, here);
        continue;
      }
      if (ignored(here, rel, isDir)) {
        if (isDir) await walk(full, rel, here);
        continue;
      }
      if (isDir) {
        await walk(full, rel, here);
        continue;
      }
      if (basenames.has(name)) {
        problems.push({ file: full, message: `duplicated basename is not allowed: ${name}` });
        continue;
      }
      basenames.add(name);
      files.push(full);
    }
  };

  try {
    await walk(root, '', []);
  } catch (error) {
    fail(error);
  }
  return { files, problems };
}
