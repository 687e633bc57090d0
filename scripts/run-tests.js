// Runs the project's checks in stages: lint, build, then the tests (unit, integration, e2e) in ONE mocha run,
// so that a CI run ends with a single summary line. `node scripts/run-tests.js [stage...]`; see usage().
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const TESTKIT_DIST = path.join(ROOT, 'packages', 'testkit', 'dist', 'src');
const STAGES = ['lint', 'build', 'unit', 'integration', 'e2e'];
const TEST_TIERS = ['unit', 'integration', 'e2e'];

const childEnv = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  // One log directory for every process the tests start during this run.
  TESTKIT_RUN_DIR:
    process.env.TESTKIT_RUN_DIR ||
    path.join(ROOT, '.test-runs', new Date().toISOString().replace(/[:.]/g, '-')),
};

function usage() {
  return [
    'usage: node scripts/run-tests.js [stage...]',
    `  stages: ${STAGES.join(', ')}`,
    '  no stage: lint, build, then one mocha run over unit + integration + e2e tests',
    '  a test stage (unit, integration, e2e) builds first; several test stages share one mocha run',
  ].join('\n');
}

function header(stage, detail) {
  process.stdout.write(`\n=== run-tests: ${stage}: ${detail} ===\n`);
}

function fail(stage, reason) {
  process.stderr.write(`\nrun-tests: stage "${stage}" failed: ${reason}\n`);
  process.exit(1);
}

/** Run a command with inherited stdio; fail the stage on a non-zero exit, a signal or a spawn error. */
function run(stage, command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, env: childEnv, stdio: 'inherit' });
  if (result.error) fail(stage, `cannot run ${command}: ${result.error.message}`);
  if (result.signal) fail(stage, `${path.basename(command)} was killed by ${result.signal}`);
  if (result.status !== 0) fail(stage, `${path.basename(command)} exited with code ${result.status}`);
}

/** Every `*.test.js` below `dir`, recursively, as absolute paths. */
function testFilesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...testFilesUnder(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(full);
  }
  return found;
}

/**
 * Compiled tests whose TypeScript source still exists. tsc never deletes outputs, so a deleted or renamed
 * test would otherwise keep running from a stale dist/ file. `base` is the project root (rootDir), whose
 * outDir is `base/dist`.
 */
function compiledTests(base, distSubdir) {
  const files = testFilesUnder(path.join(base, 'dist', distSubdir));
  return files.filter((file) => {
    const source = path.join(base, path.relative(path.join(base, 'dist'), file)).replace(/\.js$/, '.ts');
    if (fs.existsSync(source)) return true;
    process.stdout.write(
      `run-tests: ignoring ${path.relative(ROOT, file)} (its source ${path.relative(ROOT, source)} is gone)\n`,
    );
    return false;
  });
}

function packageDirs() {
  const packagesDir = path.join(ROOT, 'packages');
  return fs
    .readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(packagesDir, entry.name));
}

/** The test files of one tier, sorted, so that runs are reproducible. */
function tierFiles(tier) {
  let files;
  if (tier === 'unit') files = packageDirs().flatMap((dir) => compiledTests(dir, 'src'));
  else if (tier === 'integration') files = packageDirs().flatMap((dir) => compiledTests(dir, 'test'));
  else files = compiledTests(path.join(ROOT, 'test', 'e2e'), '');
  return files.sort();
}

function lint() {
  header('lint', 'eslint . && prettier --check .');
  run('lint', path.join(BIN, 'eslint'), ['.']);
  run('lint', path.join(BIN, 'prettier'), ['--check', '.']);
}

function build() {
  header('build', 'tsc -b');
  run('build', path.join(BIN, 'tsc'), ['-b']);
}

function test(tiers) {
  const stage = tiers.join('+');
  const perTier = tiers.map((tier) => ({ tier, files: tierFiles(tier) }));
  const files = perTier.flatMap((entry) => entry.files);
  const counts = perTier.map((entry) => `${entry.files.length} ${entry.tier}`).join(', ');
  header(
    stage,
    `mocha over ${files.length} test files (${counts}); process logs in ${path.relative(ROOT, childEnv.TESTKIT_RUN_DIR)}`,
  );
  if (files.length === 0) fail(stage, 'no test files found: a run that tests nothing must not pass');
  run(stage, process.execPath, [
    '--enable-source-maps',
    path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--reporter',
    path.join(TESTKIT_DIST, 'reporter.js'),
    '--require',
    path.join(TESTKIT_DIST, 'mocha-hooks.js'),
    '--timeout',
    '30000',
    '--fail-zero',
    '--exit',
    ...files.map((file) => path.relative(ROOT, file)),
  ]);
}

function main(args) {
  const unknown = args.filter((arg) => !STAGES.includes(arg));
  if (unknown.length > 0) {
    process.stderr.write(`run-tests: unknown stage(s): ${unknown.join(', ')}\n${usage()}\n`);
    process.exit(2);
  }
  const selected = args.length === 0 ? STAGES : args;
  const tiers = TEST_TIERS.filter((tier) => selected.includes(tier));
  if (selected.includes('lint')) lint();
  if (selected.includes('build') || tiers.length > 0) build();
  if (tiers.length > 0) test(tiers);
}

main(process.argv.slice(2));
