/**
 * Starts the real `quire-central` and `quire-site` commands as separate processes for end-to-end tests, and
 * talks to them over HTTP like an operator would.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repoRoot, startProcess, waitForHttp } from '@quire/testkit';

export const centralCli = path.join(repoRoot(), 'packages/central/dist/src/cli.js');
export const siteCli = path.join(repoRoot(), 'packages/site/dist/src/cli.js');
export const ADMIN_PASSWORD = 'e2e-admin-password';

/**
 * Unsets every QUIRE_* variable of the test runner's environment (startProcess merges over it, and spawn drops
 * undefined values), so only the settings a test chooses reach the server.
 */
export function withoutQuireSettings(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) if (key.startsWith('QUIRE_')) env[key] = undefined;
  return env;
}

/** The environment a server process gets: no inherited QUIRE_* settings, fast heartbeats, and `extra`. */
export function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...withoutQuireSettings(),
    QUIRE_HTTP_HOST: '127.0.0.1',
    QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    QUIRE_FEDERATION_HEARTBEAT_SECONDS: '1',
    QUIRE_FEDERATION_HEARTBEAT_TIMEOUT_SECONDS: '5',
    ...extra,
  };
}

/** A fresh data directory. */
export function tempDataDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `quire-e2e-${label}-`));
}

/** Start `quire-central serve` and wait until `/healthz` answers. */
export async function startCentral(options: {
  dbUrl: string;
  dataDir: string;
  httpPort?: number;
  grpcPort?: number;
}) {
  const httpPort = options.httpPort ?? (await freePort());
  const grpcPort = options.grpcPort ?? (await freePort());
  const proc = startProcess({
    name: 'central',
    command: process.execPath,
    args: [centralCli, 'serve'],
    env: serverEnv({
      QUIRE_DB_URL: options.dbUrl,
      QUIRE_DATA_DIR: options.dataDir,
      QUIRE_HTTP_PORT: String(httpPort),
      QUIRE_GRPC_HOST: '127.0.0.1',
      QUIRE_GRPC_PORT: String(grpcPort),
    }),
  });
  const url = `http://127.0.0.1:${httpPort}`;
  await waitForHttp(`${url}/healthz`, { timeoutMs: 60_000 });
  // Central makes its federation CA on first start (federation.tls = auto); sites trust it through this file.
  const caFile = path.join(options.dataDir, 'federation-tls', 'ca-cert.pem');
  return { process: proc, url, grpcPort, httpPort, caFile };
}

/** What {@link startSite} starts. */
export interface StartSiteOptions {
  name: string;
  dataDir: string;
  /** central's gRPC address; omitted, the site runs standalone (no QUIRE_CENTRAL_ADDRESS). */
  centralAddress?: string;
  /** central's federation CA certificate (from startCentral): the site then speaks TLS to central. */
  centralCaFile?: string;
  token?: string;
  /** Extra settings (e.g. QUIRE_JOBS_MAX_SIZE_MB), applied over the defaults below. */
  env?: Record<string, string>;
  /** Fixed ports, e.g. to restart a site where its clients expect it; free ones are picked otherwise. */
  httpPort?: number;
  ippPort?: number;
  lpdPort?: number;
}

/** Start `quire-site serve` (SQLite in its data dir) and wait until `/healthz` answers. */
export async function startSite(options: StartSiteOptions) {
  const httpPort = options.httpPort ?? (await freePort());
  const ippPort = options.ippPort ?? (await freePort());
  const lpdPort = options.lpdPort ?? (await freePort());
  const proc = startProcess({
    name: `site-${options.name}`,
    command: process.execPath,
    args: [siteCli, 'serve'],
    env: serverEnv({
      QUIRE_SITE_NAME: options.name,
      QUIRE_DATA_DIR: options.dataDir,
      QUIRE_HTTP_PORT: String(httpPort),
      QUIRE_IPP_HOST: '127.0.0.1',
      QUIRE_IPP_PORT: String(ippPort),
      QUIRE_LPD_HOST: '127.0.0.1',
      QUIRE_LPD_PORT: String(lpdPort),
      QUIRE_RAW_HOST: '127.0.0.1',
      QUIRE_FEDERATION_RECONNECT_MAX_MS: '2000',
      ...(options.centralAddress ? { QUIRE_CENTRAL_ADDRESS: options.centralAddress } : {}),
      ...(options.centralCaFile
        ? { QUIRE_CENTRAL_TLS: 'true', QUIRE_CENTRAL_CA_FILE: options.centralCaFile }
        : {}),
      ...(options.token ? { QUIRE_ENROLMENT_TOKEN: options.token } : {}),
      ...options.env,
    }),
  });
  const url = `http://127.0.0.1:${httpPort}`;
  await waitForHttp(`${url}/healthz`, { timeoutMs: 60_000 });
  return { process: proc, url, httpPort, ippPort, lpdPort };
}

/** Call the REST API; throws with the server's error message on a non-2xx answer. */
export async function api<T>(
  baseUrl: string,
  method: string,
  route: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Log in as the e2e admin and return the bearer token. */
export async function adminToken(baseUrl: string): Promise<string> {
  const { token } = await api<{ token: string }>(baseUrl, 'POST', '/api/v1/auth/login', undefined, {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  return token;
}

export interface SiteView {
  id: string;
  name: string;
  connected: boolean;
  lastSeenAt: string | null;
  version: string | null;
}

/** Poll central until `predicate` holds for the site named `name`; resolves with the time it took. */
export async function waitForSite(
  centralUrl: string,
  token: string,
  name: string,
  predicate: (site: SiteView) => boolean,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  let last: SiteView | undefined;
  while (Date.now() - started < timeoutMs) {
    try {
      const { sites } = await api<{ sites: SiteView[] }>(centralUrl, 'GET', '/api/v1/sites', token);
      last = sites.find((site) => site.name === name);
      if (last && predicate(last)) return Date.now() - started;
    } catch {
      // central may be restarting; keep polling until the deadline
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `site ${name} did not reach the expected state in ${timeoutMs} ms (last: ${JSON.stringify(last)})`,
  );
}
