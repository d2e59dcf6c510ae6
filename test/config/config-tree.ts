import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigSource } from '../../src/config/types';

/** A file's content, or a symbolic link to create (`{ link: target }`). */
export type TreeEntry = string | Buffer | { link: string };

/** A scratch directory holding a config tree, removed by `remove()`. */
export interface ConfigTree {
  root: string;
  path(relative: string): string;
  write(entries: Record<string, TreeEntry>): void;
  /** The usual layout: prow/config.yaml and the jobs/ directory. */
  source(extra?: Partial<ConfigSource>): ConfigSource;
  remove(): void;
}

export const MINIMAL_PROW_CONFIG = 'prowjob_namespace: prow\npod_namespace: test-pods\n';

/** A presubmit that passes every check: a name, a spec with one container with a command. */
export function validJob(name: string, extra = ''): string {
  return `  - name: ${name}\n    spec: {containers: [{image: alpine, command: [echo]}]}\n${extra}`;
}

export function configTree(entries: Record<string, TreeEntry> = {}): ConfigTree {
  const root = mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
  const tree: ConfigTree = {
    root,
    path: (relative) => path.join(root, relative),
    write(more) {
      for (const [relative, content] of Object.entries(more)) {
        const full = path.join(root, relative);
        mkdirSync(path.dirname(full), { recursive: true });
        if (typeof content === 'object' && !Buffer.isBuffer(content)) symlinkSync(content.link, full);
        else writeFileSync(full, content);
      }
    },
    source: (extra = {}) => ({
      configPath: tree.path('prow/config.yaml'),
      jobConfigPath: tree.path('jobs'),
      ...extra,
    }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  tree.write(entries);
  return tree;
}
