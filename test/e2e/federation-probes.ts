/**
 * What the federation end-to-end test asks of central and the sites: central's replicated jobs and each site's
 * replication figures, a job submitter for IPP and LPD, and a terminal PIN login, all over the servers' real
 * network interfaces.
 */
import { api } from './servers';
import { ippRequest, lpdSubmit, printJobHeader } from './intake-probes';

/** A job as central's `GET /api/v1/jobs` lists it. */
export interface CentralJobJson {
  siteId: string;
  siteName: string;
  id: string;
  name: string;
  owner: string;
  queueName: string;
  state: string;
}

/** A site as central's `GET /api/v1/sites` shows it, with its replication figures. */
export interface ReplicatedSiteView {
  id: string;
  name: string;
  connected: boolean;
  replication: {
    appliedSeq: number;
    outboxLag: { records: number; seconds: number };
    directoryVersion: number;
    templateVersion: number;
    lastError: string | null;
  };
}

/** Every replicated job of `site` at central, walking all pages. */
export async function centralJobs(
  centralUrl: string,
  token: string,
  site: string,
): Promise<CentralJobJson[]> {
  const jobs: CentralJobJson[] = [];
  for (let offset = 0; ; offset += 500) {
    const query = new URLSearchParams({ site, limit: '500', offset: String(offset) });
    const page = await api<{ jobs: CentralJobJson[] }>(centralUrl, 'GET', `/api/v1/jobs?${query}`, token);
    jobs.push(...page.jobs);
    if (page.jobs.length < 500) return jobs;
  }
}

/** The site named `name` as central sees it. */
export async function replicatedSite(
  centralUrl: string,
  token: string,
  name: string,
): Promise<ReplicatedSiteView | undefined> {
  const { sites } = await api<{ sites: ReplicatedSiteView[] }>(centralUrl, 'GET', '/api/v1/sites', token);
  return sites.find((site) => site.name === name);
}

/** Where a site takes jobs. */
export interface IntakeAddress {
  ippPort: number;
  lpdPort: number;
}

/** One job to submit and how its submission ended. */
export interface Submission {
  site: string;
  name: string;
  owner: string;
  queue: string;
  protocol: 'ipp' | 'lpd';
  acked?: boolean;
  detail?: string;
}

/** Submit one job; resolves true when the site acknowledged it (IPP successful-ok, LPD final ack byte). */
export async function submitJob(address: IntakeAddress, job: Submission, document: Buffer): Promise<boolean> {
  try {
    if (job.protocol === 'ipp') {
      const printerUri = `ipp://127.0.0.1:${address.ippPort}/printers/${job.queue}`;
      const header = printJobHeader({
        printerUri,
        user: job.owner,
        jobName: job.name,
        documentFormat: 'application/postscript',
      });
      const answer = await ippRequest(printerUri, Buffer.concat([header, document]), 30_000);
      job.detail = `IPP status 0x${answer.status.toString(16)}`;
      return answer.status < 0x100;
    }
    const outcome = await lpdSubmit(
      address.lpdPort,
      { queue: job.queue, user: job.owner, jobName: job.name, document },
      30_000,
    );
    job.detail = JSON.stringify(outcome);
    return outcome.acked;
  } catch (err) {
    job.detail = (err as Error).message;
    return false;
  }
}

/** The HTTP status of a terminal PIN login at `printerId`. */
export async function pinLoginStatus(siteUrl: string, printerId: string, pin: string): Promise<number> {
  const res = await fetch(`${siteUrl}/api/v1/terminal/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ printerId, pin }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Poll `probe` until it returns true; resolves with the time it took, or throws naming `what`. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const done = await probe().catch(() => false);
    if (done) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A small PostScript document with `pages` pages, named in its title. */
export function postscriptDocument(title: string, pages: number): Buffer {
  const body = Array.from(
    { length: pages },
    (_, i) =>
      `%%Page: ${i + 1} ${i + 1}\n/Helvetica findfont 24 scalefont setfont 72 720 moveto (${title} ${i + 1}) show showpage\n`,
  ).join('');
  return Buffer.from(
    `%!PS-Adobe-3.0\n%%Title: ${title}\n%%Pages: ${pages}\n%%EndComments\n${body}%%EOF\n`,
    'latin1',
  );
}
