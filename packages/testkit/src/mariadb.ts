/**
 * A real, throw-away MariaDB server for tests: scratch datadir in a fresh temp directory, a free loopback
 * port, its own socket, stopped by PID and deleted afterwards.
 *
 * Debian's policy-rc.d keeps the packaged server from starting and there is no systemd, so we run mariadbd
 * ourselves. `--no-defaults` keeps whatever /etc/mysql says on the machine out of the picture. Root talks to
 * the server over the unix socket (socket authentication, no password to leak); tests get the unprivileged
 * `quire` user, which may do anything in databases named `quire_*`.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ensureDebianPackages } from './debian';
import { runCommand, tailLines } from './exec';
import { freePort } from './ports';
import { type ManagedProcess, startProcess } from './process';
import { track } from './registry';

/** A running scratch MariaDB server, as returned by {@link startMariaDb}. */
export interface MariaDbServer {
  readonly host: string;
  readonly port: number;
  /** Path of the server's unix socket. */
  readonly socket: string;
  /** Create a fresh empty database owned by the `quire` user and return its `mysql://` URL. */
  createDatabase(label?: string): Promise<string>;
  /** Drop a database created by {@link MariaDbServer.createDatabase}, given its URL. */
  dropDatabase(url: string): Promise<void>;
  /** Stop the server (SIGTERM, SIGKILL after 10 s) and delete its temp directory. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const TEST_USER = 'quire';
const TEST_PASSWORD = 'quirepass';
const READY_TIMEOUT_MS = 30_000;
const DATABASE_NAME = /^quire_[a-z0-9_]{1,58}$/;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The OS account mariadbd runs as, which is also the second socket-authenticated admin account. */
function serverUser(): string {
  return isRoot() ? 'mysql' : os.userInfo().username;
}

/** mariadbd (running as mysql) must be able to reach the temp dir, so every ancestor needs search permission. */
function assertTraversable(dir: string): void {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `MariaDB cannot use a temp directory under ${current}: the mysql user cannot enter it. ` +
          'Point TMPDIR at a directory every user can traverse (e.g. /tmp).',
      );
    }
    if (path.dirname(current) === current) return;
  }
}

async function mustRun(what: string, command: string, args: readonly string[]): Promise<void> {
  const result = await runCommand(command, args, { timeoutMs: 120_000 });
  if (result.code !== 0)
    throw new Error(`${what} failed (${command} ${args.join(' ')}):\n${tailLines(result.output)}`);
}

function errorLogTail(logFile: string): string {
  try {
    return tailLines(readFileSync(logFile, 'utf8'), 40);
  } catch {
    return '(no error log written)';
  }
}

async function waitUntilReady(server: ManagedProcess, socket: string, errorLog: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new Error(`mariadbd exited during start-up. Tail of ${errorLog}:\n${errorLogTail(errorLog)}`);
    }
    const ping = await runCommand('mariadb-admin', ['--no-defaults', `--socket=${socket}`, 'ping'], {
      timeoutMs: 5_000,
    });
    if (ping.code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `mariadbd did not answer ping within ${READY_TIMEOUT_MS / 1000} s. Tail of ${errorLog}:\n${errorLogTail(errorLog)}`,
  );
}

async function adminQuery(socket: string, statements: readonly string[]): Promise<void> {
  // One short-lived connection per batch: nothing stays open to keep the test process alive.
  const user = isRoot() ? 'root' : serverUser();
  const connection = await createConnection({ socketPath: socket, user });
  try {
    for (const statement of statements) await connection.query(statement);
  } finally {
    await connection.end();
  }
}

function databaseNameFor(label: string): string {
  const cleaned = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `quire_${cleaned || 'test'}_${randomBytes(4).toString('hex')}`;
}

function databaseNameOf(url: string): string {
  let name: string;
  try {
    name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    throw new Error(`not a database URL: ${url.replace(/\/\/[^@/]*@/, '//***@')}`);
  }
  if (!DATABASE_NAME.test(name)) throw new Error(`refusing to drop "${name}": not a test database (quire_*)`);
  return name;
}

async function initialiseDataDir(baseDir: string, dataDir: string, tmpDir: string): Promise<void> {
  assertTraversable(baseDir);
  chmodSync(baseDir, 0o755);
  mkdirSync(tmpDir);
  if (isRoot())
    await mustRun('handing the MariaDB temp dir to mysql', 'chown', ['-R', 'mysql:mysql', baseDir]);
  await mustRun('mariadb-install-db', 'mariadb-install-db', [
    '--no-defaults',
    `--user=${serverUser()}`,
    `--datadir=${dataDir}`,
    `--tmpdir=${tmpDir}`,
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
  ]);
}

async function createTestUser(socket: string): Promise<void> {
  const statements: string[] = [];
  for (const host of [HOST, 'localhost']) {
    statements.push(`CREATE USER '${TEST_USER}'@'${host}' IDENTIFIED BY '${TEST_PASSWORD}'`);
    statements.push(`GRANT ALL ON \`quire\\_%\`.* TO '${TEST_USER}'@'${host}'`);
  }
  await adminQuery(socket, statements);
}

function handleFor(server: ManagedProcess, baseDir: string, port: number, socket: string): MariaDbServer {
  let stopping: Promise<void> | undefined;
  const removeDir = (): void => rmSync(baseDir, { recursive: true, force: true });
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const status = await server.stop(10_000);
      untrack();
      removeDir();
      if (status.signal === 'SIGKILL') throw new Error('mariadbd ignored SIGTERM for 10 s and was killed');
    })());
  const untrack = track({
    description: `MariaDB on ${HOST}:${port}`,
    stop,
    killNow: () => {
      server.kill('SIGKILL');
      removeDir();
    },
  });
  return {
    host: HOST,
    port,
    socket,
    async createDatabase(label = 'test') {
      const name = databaseNameFor(label);
      await adminQuery(socket, [
        `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      ]);
      return `mysql://${TEST_USER}:${TEST_PASSWORD}@${HOST}:${port}/${name}`;
    },
    async dropDatabase(url: string) {
      await adminQuery(socket, [`DROP DATABASE IF EXISTS \`${databaseNameOf(url)}\``]);
    },
    stop,
  };
}

/**
 * Install MariaDB if needed (via {@link ensureDebianPackages}), then start a scratch server on a free port of
 * 127.0.0.1 and wait until it answers. Throws with the tail of the server's error log if it does not come up
 * within 30 s, after cleaning up. The returned handle creates per-test databases and stops the server.
 */
export async function startMariaDb(): Promise<MariaDbServer> {
  await ensureDebianPackages(['mariadb-server', 'mariadb-client']);
  const baseDir = mkdtempSync(path.join(os.tmpdir(), 'quire-mariadb-'));
  const dataDir = path.join(baseDir, 'data');
  // The server would otherwise use $TMPDIR, which the mysql user may not be able to write.
  const tmpDir = path.join(baseDir, 'tmp');
  const socket = path.join(baseDir, 'mysqld.sock');
  const errorLog = path.join(baseDir, 'err.log');
  let server: ManagedProcess | undefined;
  try {
    await initialiseDataDir(baseDir, dataDir, tmpDir);
    const port = await freePort(HOST);
    server = startProcess({
      name: 'mariadbd',
      command: 'mariadbd',
      args: [
        '--no-defaults',
        `--user=${serverUser()}`,
        `--datadir=${dataDir}`,
        `--tmpdir=${tmpDir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        `--bind-address=${HOST}`,
        `--pid-file=${path.join(baseDir, 'mysqld.pid')}`,
        `--log-error=${errorLog}`,
        '--skip-name-resolve',
      ],
    });
    await waitUntilReady(server, socket, errorLog);
    await createTestUser(socket);
    return handleFor(server, baseDir, port, socket);
  } catch (err) {
    await server?.stop(10_000).catch(() => undefined);
    rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }
}
