// Jest loads TypeScript through @swc/jest as CommonJS. Octokit and some of its dependencies ship only ESM,
// which Node 20.19+ can require() but Jest's module system cannot, so every ESM-only package found in
// node_modules is transformed too. The list is computed, not hand-kept: a new ESM dependency just works.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(dir = path.join(__dirname, 'node_modules')) {
  const names = [];
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const sub of fs.readdirSync(path.join(dir, entry))) names.push(`${entry}/${sub}`);
    } else names.push(entry);
  }
  return names.filter((name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, name, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  });
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().map(escape).join('|')})/)`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60_000,
  // Temporal's native runtime keeps handles open after tests (temporalio/sdk-typescript#928).
  forceExit: true,
  maxWorkers: 2,
};
