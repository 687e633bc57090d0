/**
 * Helpers of the release end-to-end tests: printers and queues set up through the REST API, users put in the
 * site's directory cache, jobs submitted with CUPS `lp`, terminal sessions, and waits on job states.
 */
import { runCommand } from '@quire/testkit';
import { type JobJson, listJobs, waitFor } from './intake-probes';
import { api } from './servers';

/** A job as the REST API shows it, with the release fields. */
export interface ReleasedJobJson extends JobJson {
  stateReason: string | null;
  printerId: string | null;
  printAttempts: number;
  documentKept: boolean;
  favourite: boolean;
}

/** A site under test: its URL, IPP port and an admin token. */
export interface SiteHandle {
  url: string;
  ippPort: number;
  token: string;
}

/** Add a printer; returns its id. */
export async function addPrinter(
  site: SiteHandle,
  name: string,
  uri: string,
  extra: object = {},
): Promise<string> {
  const printer = await api<{ id: string }>(site.url, 'POST', '/api/v1/printers', site.token, {
    name,
    uri,
    ...extra,
  });
  return printer.id;
}

/** Create a queue of `type` printing on `printers`. */
export async function addQueue(
  site: SiteHandle,
  name: string,
  type: string,
  printers: string[],
  extra: object = {},
): Promise<void> {
  await api(site.url, 'POST', '/api/v1/queues', site.token, {
    name,
    type,
    printers,
    userDetection: [{ kind: 'sender' }],
    ...extra,
  });
}

/** Store a user in the site's directory cache. */
export async function addUser(site: SiteHandle, username: string, settings: object): Promise<void> {
  await api(site.url, 'PUT', `/api/v1/directory/users/${username}`, site.token, settings);
}

/** Print `file` with CUPS `lp` to the site's IPP port, as `user`, titled `title`. */
export async function lpSubmit(
  site: SiteHandle,
  queue: string,
  user: string,
  file: string,
  title: string,
  home: string,
): Promise<void> {
  const result = await runCommand(
    'lp',
    ['-h', `127.0.0.1:${site.ippPort}`, '-d', queue, '-U', user, '-t', title, file],
    { timeoutMs: 60_000, env: { HOME: home } },
  );
  if (result.code !== 0) throw new Error(`lp failed: ${result.output}`);
}

/** The job titled `name`, once it is in one of `states`. */
export async function waitForJobState(
  site: SiteHandle,
  name: string,
  states: string[],
  timeoutMs = 30_000,
): Promise<ReleasedJobJson> {
  return waitFor(
    `job "${name}" in ${states.join(' or ')}`,
    async () => {
      const jobs = (await listJobs(site.url, site.token)) as ReleasedJobJson[];
      return jobs.find((job) => job.name === name && states.includes(job.state));
    },
    timeoutMs,
  );
}

/** Open a terminal session; returns its bearer token. */
export async function terminalLogin(site: SiteHandle, body: object): Promise<string> {
  const session = await api<{ token: string }>(
    site.url,
    'POST',
    '/api/v1/terminal/sessions',
    undefined,
    body,
  );
  return session.token;
}

/** A terminal call; returns the HTTP status and the JSON body. */
export async function terminalCall(
  site: SiteHandle,
  method: string,
  route: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${site.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The jobs a terminal session lists. */
export async function terminalJobs(
  site: SiteHandle,
  token: string,
): Promise<Array<{ id: string; name: string; owner: string; delegated: boolean; state: string }>> {
  const { status, body } = await terminalCall(site, 'GET', '/api/v1/terminal/jobs', token);
  if (status !== 200) throw new Error(`terminal jobs answered ${status}: ${JSON.stringify(body)}`);
  return body.jobs as Array<{ id: string; name: string; owner: string; delegated: boolean; state: string }>;
}
