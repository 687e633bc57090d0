#!/usr/bin/env node
/**
 * `npm start`: the demo profile. Builds if needed, then runs central (HTTP 8080, gRPC 8093) and one site named
 * `demo` (HTTP 8090, IPP 8631, LPD 5515) on embedded SQLite under ./var, enrols the site automatically, prints
 * the URLs and the admin credentials, and stops both cleanly on Ctrl-C.
 *
 * Options (after `npm start --`): --dir DIR, --host ADDR (default 127.0.0.1: the demo is not exposed to the
 * network unless asked), --central-port, --grpc-port, --site-port, --ipp-port, --lpd-port, --raw-port (the raw socket
 * port mapped to the queue `Default`).
 * The admin password is QUIRE_ADMIN_PASSWORD when set, otherwise one generated at the first run and kept in
 * <dir>/admin-password (mode 0600) so later runs can log in and print it again.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.resolve(__dirname, '..');

function options() {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: path.join(root, 'var') },
      host: { type: 'string', default: '127.0.0.1' },
      'central-port': { type: 'string', default: '8080' },
      'grpc-port': { type: 'string', default: '8093' },
      'site-port': { type: 'string', default: '8090' },
      'ipp-port': { type: 'string', default: '8631' },
      'lpd-port': { type: 'string', default: '5515' },
      'raw-port': { type: 'string', default: '9100' },
    },
  });
  return { ...values, dir: path.resolve(values.dir) };
}

function say(text) {
  process.stdout.write(`${text}\n`);
}

function build() {
  say('quire: building (incremental)…');
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('the build failed; see the TypeScript errors above');
}

function adminPassword(dir) {
  if (process.env.QUIRE_ADMIN_PASSWORD) return process.env.QUIRE_ADMIN_PASSWORD;
  const file = path.join(dir, 'admin-password');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = randomBytes(15).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The parent's environment without QUIRE_* settings (they would leak into both servers), plus `extra`. */
function childEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('QUIRE_')) env[key] = value;
  return { ...env, ...extra };
}

function startServer(name, cli, env, logDir) {
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, ['--enable-source-maps', cli, 'serve'], {
    cwd: root,
    env: childEnv(env),
    stdio: ['ignore', log, log],
  });
  child.logFile = path.join(logDir, `${name}.log`);
  return child;
}

function logTail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const result = await probe();
      if (result.ok) return result.value;
      last = result.reason;
    } catch (err) {
      last = err.cause ? String(err.cause.code ?? err.cause) : String(err.message);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} not reached within ${timeoutMs / 1000} s (last: ${last})`);
}

async function api(base, method, route, token, body) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? null : await res.json();
  if (!res.ok)
    throw new Error(`${method} ${route} answered ${res.status}: ${json?.error?.message ?? 'no message'}`);
  return json;
}

function healthy(url) {
  return async () => {
    const res = await fetch(url);
    return { ok: res.status === 200, reason: `HTTP ${res.status}` };
  };
}

/** Make sure central has a site `demo` and return an enrolment token when the site still needs one. */
async function enrolmentTokenFor(centralUrl, token, siteDir) {
  const { sites } = await api(centralUrl, 'GET', '/api/v1/sites', token);
  const existing = sites.find((site) => site.name === 'demo');
  if (!existing)
    return (await api(centralUrl, 'POST', '/api/v1/sites', token, { name: 'demo' })).enrolmentToken;
  if (fs.existsSync(path.join(siteDir, 'federation', 'credential.json'))) return '';
  return (await api(centralUrl, 'POST', `/api/v1/sites/${existing.id}/enrolment-token`, token))
    .enrolmentToken;
}

const children = [];
let stopping = false;

/** Stop the servers in reverse start order, by their PIDs, then exit with `code`. */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  say('\nquire: stopping…');
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  say('quire: stopped.');
  process.exit(code);
}

/** Map the demo's raw socket port to the queue `Default` (raw ports are queue settings). */
async function mapRawPort(siteUrl, password, port) {
  const { token } = await api(siteUrl, 'POST', '/api/v1/auth/login', null, { username: 'admin', password });
  const { queues } = await api(siteUrl, 'GET', '/api/v1/queues', token);
  const queue = queues.find((q) => q.name === 'Default');
  if (!queue) return 'no queue named Default (it was deleted), so no raw port';
  if (queue.rawPort !== Number(port))
    await api(siteUrl, 'PATCH', `/api/v1/queues/${queue.id}`, token, { rawPort: Number(port) });
  return `raw port ${port} → queue Default`;
}

async function main() {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const opts = options();
  const centralDir = path.join(opts.dir, 'central');
  const siteDir = path.join(opts.dir, 'site-demo');
  const logDir = path.join(opts.dir, 'logs');
  for (const dir of [centralDir, siteDir, logDir]) fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  build();
  const password = adminPassword(opts.dir);
  const watch = (child, name) =>
    child.on('exit', (code, signal) => {
      if (stopping) return;
      say(
        `quire: ${name} exited unexpectedly (${signal ?? `code ${code}`}). Last log lines:\n${logTail(child.logFile)}`,
      );
      void stopAll(1);
    });

  const centralUrl = `http://127.0.0.1:${opts['central-port']}`;
  const siteUrl = `http://127.0.0.1:${opts['site-port']}`;
  const central = startServer(
    'central',
    path.join(root, 'packages/central/dist/src/cli.js'),
    {
      QUIRE_DATA_DIR: centralDir,
      QUIRE_HTTP_HOST: opts.host,
      QUIRE_HTTP_PORT: opts['central-port'],
      QUIRE_GRPC_HOST: opts.host,
      QUIRE_GRPC_PORT: opts['grpc-port'],
      QUIRE_ADMIN_PASSWORD: password,
    },
    logDir,
  );
  children.push(central);
  watch(central, 'central');
  await waitFor('central /healthz', 60000, healthy(`${centralUrl}/healthz`));

  const login = await api(centralUrl, 'POST', '/api/v1/auth/login', null, {
    username: 'admin',
    password,
  }).catch((err) => {
    throw new Error(
      `cannot log in to central as admin (${err.message}). The demo keeps its password in ${opts.dir}/admin-password; ` +
        `if that file was lost, stop, delete ${opts.dir} and start again.`,
    );
  });
  const enrolmentToken = await enrolmentTokenFor(centralUrl, login.token, siteDir);
  const site = startServer(
    'site-demo',
    path.join(root, 'packages/site/dist/src/cli.js'),
    {
      QUIRE_DATA_DIR: siteDir,
      QUIRE_SITE_NAME: 'demo',
      QUIRE_HTTP_HOST: opts.host,
      QUIRE_HTTP_PORT: opts['site-port'],
      QUIRE_IPP_HOST: opts.host,
      QUIRE_IPP_PORT: opts['ipp-port'],
      QUIRE_LPD_HOST: opts.host,
      QUIRE_LPD_PORT: opts['lpd-port'],
      QUIRE_RAW_HOST: opts.host,
      QUIRE_CENTRAL_ADDRESS: `127.0.0.1:${opts['grpc-port']}`,
      // Central made its federation CA on its first start (federation.tls = auto); the site trusts it.
      QUIRE_CENTRAL_TLS: 'true',
      QUIRE_CENTRAL_CA_FILE: path.join(centralDir, 'federation-tls', 'ca-cert.pem'),
      QUIRE_ADMIN_PASSWORD: password,
      ...(enrolmentToken ? { QUIRE_ENROLMENT_TOKEN: enrolmentToken } : {}),
    },
    logDir,
  );
  children.push(site);
  watch(site, 'site');
  await waitFor('site /healthz', 60000, healthy(`${siteUrl}/healthz`));
  const rawText = await mapRawPort(siteUrl, password, opts['raw-port']);
  await waitFor('site demo connected to central', 30000, async () => {
    const { sites } = await api(centralUrl, 'GET', '/api/v1/sites', login.token);
    const demo = sites.find((s) => s.name === 'demo');
    return { ok: Boolean(demo?.connected), reason: demo ? 'demo not connected yet' : 'demo not listed' };
  });

  say(
    [
      '',
      'Quire demo is running.',
      `  central  ${centralUrl}   (REST /api/v1, /healthz, /readyz, /metrics; federation gRPC on port ${opts['grpc-port']})`,
      `  site     ${siteUrl}   (site "demo", enrolled and connected)`,
      `  print    ipp://127.0.0.1:${opts['ipp-port']}/printers/Default  (lp -h 127.0.0.1:${opts['ipp-port']} -d Default FILE),`,
      `           LPD port ${opts['lpd-port']}, ${rawText}`,
      `  admin    user "admin", password "${password}" (central and site)`,
      `  data     ${opts.dir}   logs in ${logDir}`,
      '',
      `Try: curl -s -X POST ${centralUrl}/api/v1/auth/login -H 'content-type: application/json' \\`,
      `       -d '{"username":"admin","password":"${password}"}'`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
}

main().catch((err) => {
  process.stderr.write(`quire: ${err.message}\n`);
  void stopAll(1);
});
