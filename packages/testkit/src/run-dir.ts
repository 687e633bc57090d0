/**
 * Where the logs of processes started by tests go: `<repo>/.test-runs/<timestamp>/`.
 *
 * scripts/run-tests.js passes one directory for the whole run in TESTKIT_RUN_DIR so that every log of a CI
 * run sits together; a test process started any other way picks its own timestamped directory once.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let runDir: string | undefined;

function isWorkspaceRoot(dir: string): boolean {
  const manifest = path.join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return Array.isArray((JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces);
  } catch {
    return false;
  }
}

/**
 * The monorepo root: the nearest ancestor of this file whose package.json declares workspaces. Falls back to
 * the system temp directory when the testkit is used outside the repository, so logging never fails a test.
 */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (isWorkspaceRoot(dir)) return dir;
    if (path.dirname(dir) === dir) return os.tmpdir();
  }
}

/** A filesystem-safe timestamp such as `2025-01-31T12-00-00-000Z`, sortable by name. */
export function runTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/**
 * The directory for this run's process logs, created on first use: TESTKIT_RUN_DIR when set, otherwise
 * `<repo>/.test-runs/<timestamp>` chosen once per process.
 */
export function testRunDir(): string {
  if (runDir === undefined) {
    runDir = process.env.TESTKIT_RUN_DIR || path.join(repoRoot(), '.test-runs', runTimestamp());
    mkdirSync(runDir, { recursive: true });
  }
  return runDir;
}
