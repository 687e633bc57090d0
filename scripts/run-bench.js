#!/usr/bin/env node
// `npm run bench -- NAME [args]`: builds (incrementally), then runs bench/NAME, which measures Quire and its anchor
// in the same run and prints both figures and the ratio. With no NAME, lists the benchmarks.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const benchDir = path.join(root, 'bench');
const names = fs
  .readdirSync(benchDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(benchDir, entry.name, 'index.ts')))
  .map((entry) => entry.name);

const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME [args]\nbenchmarks: ${names.join(', ')}\n`);
  process.exit(name ? 2 : 0);
}
const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(
  process.execPath,
  ['--enable-source-maps', path.join(benchDir, 'dist', name, 'index.js'), ...args],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(run.status ?? 1);
