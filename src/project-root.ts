import { existsSync } from 'node:fs';
import path from 'node:path';

/** The checkout's root, found from this file whether it runs from sources or from dist/. */
export const projectRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
})();
