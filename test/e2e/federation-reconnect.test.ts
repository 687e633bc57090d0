import { expect } from 'chai';
import { mariaDbTestUrl, type ManagedProcess } from '@quire/testkit';
import { adminToken, api, startCentral, startSite, tempDataDir, waitForSite } from './servers';

describe('federation link, with real processes (central on MariaDB, site on SQLite)', function () {
  this.timeout(300_000);
  const running: ManagedProcess[] = [];

  after(async () => {
    await Promise.all(running.map((proc) => proc.stop()));
  });

  it('enrols, connects, survives a SIGKILL of central and reconnects by itself within 30 s', async () => {
    const dbUrl = await mariaDbTestUrl('e2e_central');
    const centralDir = tempDataDir('central');
    const central = await startCentral({ dbUrl, dataDir: centralDir });
    running.push(central.process);
    const token = await adminToken(central.url);
    const ticket = await api<{ id: string; enrolmentToken: string }>(
      central.url,
      'POST',
      '/api/v1/sites',
      token,
      {
        name: 'brno',
      },
    );

    const site = await startSite({
      name: 'brno',
      dataDir: tempDataDir('site-brno'),
      centralAddress: `127.0.0.1:${central.grpcPort}`,
      centralCaFile: central.caFile,
      token: ticket.enrolmentToken,
    });
    running.push(site.process);
    await waitForSite(central.url, token, 'brno', (s) => s.connected, 30_000);

    central.process.kill('SIGKILL');
    const killed = await central.process.waitForExit(10_000);
    expect(killed.signal).to.equal('SIGKILL');

    // The site keeps serving while central is gone, and says so in /readyz.
    const ready = await fetch(`${site.url}/readyz`);
    expect(ready.status).to.equal(200);
    const readiness = (await ready.json()) as { checks: { central: { detail: string } } };
    expect(readiness.checks.central.detail).to.not.match(/^connected/);

    const restarted = await startCentral({
      dbUrl,
      dataDir: centralDir,
      httpPort: central.httpPort,
      grpcPort: central.grpcPort,
    });
    running.push(restarted.process);
    const freshToken = await adminToken(restarted.url);
    const reconnectMs = await waitForSite(restarted.url, freshToken, 'brno', (s) => s.connected, 30_000);
    expect(reconnectMs).to.be.below(30_000);

    const { sites } = await api<{ sites: Array<{ name: string; version: string; lastSeenAt: string }> }>(
      restarted.url,
      'GET',
      '/api/v1/sites',
      freshToken,
    );
    expect(sites.map((s) => s.name)).to.deep.equal(['brno']);
    expect(sites[0].version).to.match(/^\d+\.\d+\.\d+/);
    expect(Date.parse(sites[0].lastSeenAt)).to.be.closeTo(Date.now(), 10_000);

    // The enrolment token was single-use: the site reconnected with its stored credential.
    const status = await api<{ central: { state: string; siteId: string } }>(
      site.url,
      'GET',
      '/api/v1/site',
      await adminToken(site.url),
    );
    expect(status.central).to.include({ state: 'connected', siteId: ticket.id });
  });
});
