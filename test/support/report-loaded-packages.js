// Preloaded with `node -r` by test/cli/lazy-imports.test.ts: on exit, prints to stderr which packages from
// node_modules the process loaded, as `loaded-packages: a b c`.
'use strict';
process.on('exit', () => {
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (match) packages.add(match[1].replace(/\\/g, '/'));
  }
  process.stderr.write(`loaded-packages: ${[...packages].sort().join(' ')}\n`);
});
