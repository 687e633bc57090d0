/**
 * Starts a real `quire-site` process for the benchmark: embedded SQLite, a scratch data dir (so the spool is on the
 * same disk as the dd anchor), free loopback ports, and a job size limit large enough for the 1 GB job.
 */
import path from 'node:path';
import { freePort, repoRoot, startProcess, waitForHttp, type ManagedProcess } from '@quire/testkit';

export interface BenchSite {
  ippUrl: string;
  spoolDir: string;
  process: ManagedProcess;
  /** Resolves once no job is left in `processing` (PDL analysis runs after each job is acknowledged). */
  waitForAnalysis(): Promise<void>;
}

const ADMIN_PASSWORD = 'bench-admin-password';

async function processingCount(httpUrl: string, token: string): Promise<number> {
  const res = await fetch(`${httpUrl}/api/v1/jobs?state=processing&limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { jobs: unknown[] };
  return body.jobs.length;
}

/** Start the site and wait until it is ready. */
export async function startBenchSite(scratch: string): Promise<BenchSite> {
  const httpPort = await freePort();
  const ippPort = await freePort();
  const dataDir = path.join(scratch, 'site');
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) if (key.startsWith('QUIRE_')) env[key] = undefined;
  const proc = startProcess({
    name: 'bench-site',
    command: process.execPath,
    args: [path.join(repoRoot(), 'packages/site/dist/src/cli.js'), 'serve'],
    env: {
      ...env,
      QUIRE_DATA_DIR: dataDir,
      QUIRE_HTTP_HOST: '127.0.0.1',
      QUIRE_HTTP_PORT: String(httpPort),
      QUIRE_IPP_HOST: '127.0.0.1',
      QUIRE_IPP_PORT: String(ippPort),
      QUIRE_LPD_PORT: '0',
      QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      QUIRE_JOBS_MAX_SIZE_MB: '2048',
      QUIRE_LOG_LEVEL: 'warn',
      // Standard analysis (in process); enhanced would start a ghostscript process for every job.
      QUIRE_ANALYSIS_MODE: 'standard',
    },
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitForHttp(`${httpUrl}/readyz`, { timeoutMs: 60_000 });
  const login = await fetch(`${httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  return {
    ippUrl: `http://127.0.0.1:${ippPort}/printers/Default`,
    spoolDir: path.join(dataDir, 'spool'),
    process: proc,
    async waitForAnalysis() {
      const deadline = Date.now() + 600_000;
      while ((await processingCount(httpUrl, token)) > 0) {
        if (Date.now() > deadline) throw new Error('jobs still in processing after 10 minutes');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}
