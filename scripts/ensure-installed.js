#!/usr/bin/env node
/**
 * The first step of `npm start` and `npm test`, so a fresh clone needs nothing else run before them:
 * - `npm ci` when node_modules is missing or package-lock.json changed since the last install (the lockfile's
 *   hash is kept in node_modules/.install-stamp);
 * - the Temporal CLI (scripts/install-temporal-cli.sh: skipped when it is already there, when TEMPORAL_CLI
 *   names one, or when TEMPORAL_ADDRESS names a running server).
 * Plain Node.js with built-ins only: it runs before any dependency is installed. Progress goes to stderr.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lockfile = path.join(root, 'package-lock.json');
const stampFile = path.join(root, 'node_modules', '.install-stamp');

/** What the stamp records: the lockfile's content hash. */
function lockfileHash() {
  return createHash('sha256').update(readFileSync(lockfile)).digest('hex');
}

/** Why `npm ci` must run, or undefined when node_modules matches the lockfile. */
function installReason() {
  if (!existsSync(path.join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(stampFile)) return 'node_modules was not installed by this script';
  if (readFileSync(stampFile, 'utf8').trim() !== lockfileHash()) return 'package-lock.json changed';
  return undefined;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function main() {
  const say = (line) => process.stderr.write(`ensure-installed: ${line}\n`);
  const reason = installReason();
  if (reason) {
    say(`${reason}: npm ci`);
    const started = Date.now();
    const status = run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund']);
    if (status !== 0) {
      say(`npm ci failed (exit ${status})`);
      return status;
    }
    writeFileSync(stampFile, lockfileHash() + '\n');
    say(`dependencies installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } else {
    say('dependencies up to date');
  }
  if (process.env.TEMPORAL_ADDRESS) {
    say(`TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}: using that server, no Temporal CLI needed`);
    return 0;
  }
  return run('bash', [path.join(root, 'scripts', 'install-temporal-cli.sh')]);
}

module.exports = { installReason, lockfileHash, stampFile };

if (require.main === module) process.exitCode = main();
