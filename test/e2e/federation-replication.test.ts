/**
 * Replication between real processes: central on MariaDB, site A on MariaDB, site B on SQLite.
 *
 * 1,000 jobs go to the two sites over IPP and LPD while central is killed with SIGKILL twice and site A once.
 * Site A is killed between two of its own submissions: a kill during an upload leaves a committed job whose
 * acknowledgement was lost, and its client would send it again, so "exactly 1,000" could not be checked. Its
 * outbox, analyses and routing are still in flight when it dies. Afterwards, for each site, central's
 * replicated jobs must equal the site's own jobs (ids, owners, queues, states), with no duplicates, and
 * central's applied sequence must equal the site's last sequence, with nothing pending.
 *
 * The directory goes down in the same run: a user created at central with a PIN signs in at site B's terminal,
 * is refused there once disabled at central, and a cached user still signs in while central is down. Revoking
 * site B ends its session within 5 s, and its credential is refused from then on.
 */
import { expect } from 'chai';
import { mariaDbTestUrl, type ManagedProcess } from '@quire/testkit';
import {
  centralJobs,
  pinLoginStatus,
  postscriptDocument,
  replicatedSite,
  submitJob,
  waitUntil,
  type CentralJobJson,
  type Submission,
} from './federation-probes';
import { listJobs, type JobJson } from './intake-probes';
import { adminToken, api, startCentral, startSite, tempDataDir, waitForSite } from './servers';

const JOBS = 1000;
const CONCURRENCY_PER_SITE = 6;
const OWNERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const QUEUES = ['Default', 'Second'];

/** Print a measured figure under the test's name. */
function say(line: string): void {
  process.stdout.write(`      ${line}\n`);
}

type Started = Awaited<ReturnType<typeof startSite>>;
type CentralHandle = Awaited<ReturnType<typeof startCentral>>;

describe('federation replication, with real processes (central and site A on MariaDB, site B on SQLite)', function () {
  this.timeout(900_000);
  const running: ManagedProcess[] = [];
  let centralDb: string;
  let centralDir: string;
  let central: CentralHandle;
  let token: string;
  const sites: Record<
    string,
    { handle: Started; env: Record<string, string>; dataDir: string; token: string }
  > = {};
  let printerB: string;

  after(async () => {
    await Promise.all(running.map((proc) => proc.stop()));
  });

  async function restartCentral(): Promise<void> {
    central = await startCentral({
      dbUrl: centralDb,
      dataDir: centralDir,
      httpPort: central.httpPort,
      grpcPort: central.grpcPort,
    });
    running.push(central.process);
    token = await adminToken(central.url);
  }

  async function killCentral(): Promise<void> {
    central.process.kill('SIGKILL');
    expect((await central.process.waitForExit(10_000)).signal).to.equal('SIGKILL');
  }

  async function startNamedSite(
    name: string,
    env: Record<string, string>,
    dataDir: string,
    enrolment?: string,
  ) {
    const previous = sites[name]?.handle;
    const handle = await startSite({
      name,
      dataDir,
      centralAddress: `127.0.0.1:${central.grpcPort}`,
      centralCaFile: central.caFile,
      token: enrolment,
      env: { QUIRE_ANALYSIS_MODE: 'standard', ...env },
      httpPort: previous?.httpPort,
      ippPort: previous?.ippPort,
      lpdPort: previous?.lpdPort,
    });
    running.push(handle.process);
    sites[name] = { handle, env, dataDir, token: await adminToken(handle.url) };
  }

  before(async () => {
    centralDb = await mariaDbTestUrl('e2e_fed_central');
    const siteADb = await mariaDbTestUrl('e2e_fed_site_a');
    centralDir = tempDataDir('fed-central');
    central = await startCentral({ dbUrl: centralDb, dataDir: centralDir });
    running.push(central.process);
    token = await adminToken(central.url);
    for (const [name, env] of [
      ['site-a', { QUIRE_DB_URL: siteADb }],
      ['site-b', {}],
    ] as const) {
      const ticket = await api<{ enrolmentToken: string }>(central.url, 'POST', '/api/v1/sites', token, {
        name,
      });
      await startNamedSite(name, env, tempDataDir(`fed-${name}`), ticket.enrolmentToken);
      await waitForSite(central.url, token, name, (s) => s.connected, 60_000);
      const site = sites[name];
      await api(site.handle.url, 'POST', '/api/v1/queues', site.token, {
        name: 'Second',
        type: 'pull',
        printers: [],
        userDetection: [{ kind: 'sender' }],
      });
    }
    const siteB = sites['site-b'];
    const printer = await api<{ id: string }>(siteB.handle.url, 'POST', '/api/v1/printers', siteB.token, {
      name: 'b-terminal',
      uri: 'socket://127.0.0.1:9',
    });
    printerB = printer.id;
  });

  it('a user created at central with a PIN signs in at site B; disabled, is refused; cached, signs in offline', async () => {
    const created = Date.now();
    const roamer = await api<{ id: string }>(central.url, 'POST', '/api/v1/users', token, {
      username: 'roamer',
      fullName: 'Roaming Rita',
      email: 'rita@example.test',
      pin: '482913',
    });
    await api(central.url, 'POST', '/api/v1/users', token, {
      username: 'steady',
      fullName: 'Steady Sam',
      pin: '731946',
    });
    const siteB = sites['site-b'].handle;
    await waitUntil(
      'roamer to sign in at site B',
      async () => (await pinLoginStatus(siteB.url, printerB, '482913')) === 201,
      60_000,
    );
    say(`central → site B: a new user signs in after ${Date.now() - created} ms`);

    await api(central.url, 'PATCH', `/api/v1/users/${roamer.id}`, token, { state: 'disabled' });
    const refusedAfter = await waitUntil(
      'the disabled user to be refused at site B',
      async () => (await pinLoginStatus(siteB.url, printerB, '482913')) === 401,
      60_000,
    );
    say(`disabling at central is refused at site B after ${refusedAfter} ms`);
    expect(await pinLoginStatus(siteB.url, printerB, '731946')).to.equal(201);

    await killCentral();
    expect(await pinLoginStatus(siteB.url, printerB, '731946')).to.equal(201);
    expect(await pinLoginStatus(siteB.url, printerB, '482913')).to.equal(401);
    await restartCentral();
    await waitForSite(central.url, token, 'site-b', (s) => s.connected, 60_000);
  });

  it('1,000 jobs over IPP and LPD survive two SIGKILLs of central and one of site A: exact, no duplicates, no gaps', async () => {
    const submissions: Submission[] = Array.from({ length: JOBS }, (_, i) => ({
      site: i % 2 === 0 ? 'site-a' : 'site-b',
      name: `fed-${String(i).padStart(4, '0')}`,
      owner: OWNERS[i % OWNERS.length],
      queue: QUEUES[Math.floor(i / 2) % QUEUES.length],
      protocol: Math.floor(i / 4) % 2 === 0 ? 'ipp' : 'lpd',
    }));
    let acked = 0;
    let siteAPaused: Promise<void> | null = null;
    const events: Array<{ at: number; what: string; run: () => Promise<void> }> = [
      { at: 150, what: 'SIGKILL central', run: killCentral },
      { at: 250, what: 'restart central', run: restartCentral },
      { at: 450, what: 'SIGKILL site A and restart it', run: () => killAndRestartSiteA() },
      { at: 700, what: 'SIGKILL central', run: killCentral },
      { at: 800, what: 'restart central', run: restartCentral },
    ];
    let pauseA: (() => void) | null = null;
    const killAndRestartSiteA = async () => {
      siteAPaused = new Promise<void>((resolve) => (pauseA = resolve));
      await waitUntil('site A submissions to quiesce', async () => inFlightA === 0, 60_000);
      const siteA = sites['site-a'];
      siteA.handle.process.kill('SIGKILL');
      expect((await siteA.handle.process.waitForExit(10_000)).signal).to.equal('SIGKILL');
      await startNamedSite('site-a', siteA.env, siteA.dataDir);
      siteAPaused = null;
      pauseA?.();
    };
    let inFlightA = 0;
    let nextEvent = 0;
    let eventChain = Promise.resolve();
    const onAcked = () => {
      acked += 1;
      while (nextEvent < events.length && acked >= events[nextEvent].at) {
        const event = events[nextEvent++];
        eventChain = eventChain.then(async () => {
          say(`after ${acked} acknowledged jobs: ${event.what}`);
          await event.run();
        });
      }
    };
    const worker = (site: string) => async () => {
      const mine = submissions.filter((s) => s.site === site);
      for (;;) {
        const i = takeNext(site);
        const job = mine[i];
        if (!job) return;
        while (site === 'site-a' && siteAPaused) await siteAPaused;
        if (site === 'site-a') inFlightA += 1;
        const handle = sites[site].handle;
        job.acked = await submitJob(handle, job, postscriptDocument(job.name, 1 + (i % 3)));
        if (site === 'site-a') inFlightA -= 1;
        expect(job.acked, `${job.name}: ${job.detail}`).to.equal(true);
        onAcked();
      }
    };
    const cursors: Record<string, number> = { 'site-a': 0, 'site-b': 0 };
    const takeNext = (site: string) => cursors[site]++;
    await Promise.all(
      ['site-a', 'site-b'].flatMap((site) => Array.from({ length: CONCURRENCY_PER_SITE }, worker(site))),
    );
    await eventChain;
    expect(acked).to.equal(JOBS);

    for (const name of ['site-a', 'site-b']) {
      const site = sites[name];
      const local = await waitUntil(
        `${name} to route every job`,
        async () => (await listJobs(site.handle.url, site.token, { state: 'processing' })).length === 0,
        120_000,
      ).then(() => listJobs(site.handle.url, site.token));
      expect(local).to.have.length(JOBS / 2);
      const caughtUp = await waitUntil(
        `central to catch up with ${name}`,
        async () => {
          const view = await replicatedSite(central.url, token, name);
          if (!view?.connected || view.replication.outboxLag.records !== 0) return false;
          const replicated = await centralJobs(central.url, token, name);
          return replicated.length === local.length && replicated.every((job) => job.state !== 'processing');
        },
        180_000,
      );
      say(`${name}: central caught up ${caughtUp} ms after the last submission was routed`);
      const replicated = await centralJobs(central.url, token, name);
      expect(new Set(replicated.map((job) => job.id)).size, 'duplicate job ids at central').to.equal(
        local.length,
      );
      const centralView = (job: CentralJobJson) => `${job.id} ${job.owner} ${job.queueName} ${job.state}`;
      const localView = (job: JobJson) => `${job.id} ${job.owner} ${job.queue} ${job.state}`;
      expect(replicated.map(centralView).sort()).to.deep.equal(local.map(localView).sort());
      const names = new Set(submissions.filter((s) => s.site === name).map((s) => s.name));
      expect(new Set(local.map((job) => job.name))).to.deep.equal(names);
      const figures = await replicatedSite(central.url, token, name);
      expect(figures?.replication.appliedSeq).to.be.above(JOBS);
      expect(figures?.replication.outboxLag.records).to.equal(0);
      expect(figures?.replication.lastError ?? null).to.equal(null);
      const siteMetrics = await (await fetch(`${site.handle.url}/metrics`)).text();
      const lastSeq = Number(/^quire_outbox_last_seq(?:{[^}]*})?\s+(\d+)/m.exec(siteMetrics)?.[1]);
      expect(figures?.replication.appliedSeq, `${name}: applied seq vs the site's last seq`).to.equal(
        lastSeq,
      );
    }
  });

  it('revoking site B ends its session within 5 s and its credential is refused afterwards', async () => {
    const siteB = sites['site-b'];
    const view = await replicatedSite(central.url, token, 'site-b');
    expect(view?.connected).to.equal(true);
    const started = Date.now();
    await api(central.url, 'DELETE', `/api/v1/sites/${view!.id}`, token);
    const ended = await waitUntil(
      'site B to be disconnected and rejected',
      async () => {
        const status = await api<{ central: { state: string } }>(
          siteB.handle.url,
          'GET',
          '/api/v1/site',
          siteB.token,
        );
        return status.central.state === 'rejected';
      },
      5_000,
    );
    say(`revocation ended site B's session in ${Date.now() - started} ms (${ended} ms polled)`);
    expect((await replicatedSite(central.url, token, 'site-b'))?.connected).to.equal(false);
    siteB.handle.process.kill('SIGTERM');
    await siteB.handle.process.waitForExit(30_000);
    await startNamedSite('site-b', siteB.env, siteB.dataDir);
    const restarted = sites['site-b'];
    await waitUntil(
      'the restarted site B to be refused',
      async () => {
        const status = await api<{ central: { state: string } }>(
          restarted.handle.url,
          'GET',
          '/api/v1/site',
          restarted.token,
        );
        return status.central.state === 'rejected';
      },
      30_000,
    );
    expect((await replicatedSite(central.url, token, 'site-b'))?.connected).to.equal(false);
  });
});
