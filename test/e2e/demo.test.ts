import { expect } from 'chai';
import path from 'node:path';
import { freePort, repoRoot, startProcess, waitForHttp } from '@quire/testkit';
import { api, tempDataDir, withoutQuireSettings } from './servers';

describe('npm start (the demo profile)', function () {
  this.timeout(180_000);

  it('brings up central and the enrolled site "demo", prints the admin login, and stops cleanly on SIGINT', async () => {
    const ports = { central: await freePort(), grpc: await freePort(), site: await freePort() };
    const dir = tempDataDir('demo');
    const demo = startProcess({
      name: 'demo',
      command: process.execPath,
      args: [
        path.join(repoRoot(), 'scripts/start-demo.js'),
        '--dir',
        dir,
        '--central-port',
        String(ports.central),
        '--grpc-port',
        String(ports.grpc),
        '--site-port',
        String(ports.site),
        '--ipp-port',
        String(await freePort()),
        '--lpd-port',
        String(await freePort()),
        '--raw-port',
        String(await freePort()),
      ],
      env: withoutQuireSettings(),
    });
    const [, password] = await demo.waitForLine(/admin\s+user "admin", password "([^"]+)"/, 120_000);
    await waitForHttp(`http://127.0.0.1:${ports.central}/healthz`, { timeoutMs: 5_000 });
    await waitForHttp(`http://127.0.0.1:${ports.site}/healthz`, { timeoutMs: 5_000 });

    const central = `http://127.0.0.1:${ports.central}`;
    const { token } = await api<{ token: string }>(central, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password,
    });
    const { sites } = await api<{ sites: Array<{ name: string; connected: boolean }> }>(
      central,
      'GET',
      '/api/v1/sites',
      token,
    );
    expect(sites).to.have.length(1);
    expect(sites[0]).to.include({ name: 'demo', connected: true });

    demo.kill('SIGINT');
    const exit = await demo.waitForExit(30_000);
    expect(exit.code).to.equal(0);
    expect(demo.stdout).to.contain('quire: stopped.');
    const refused = await fetch(`${central}/healthz`).then(
      () => false,
      () => true,
    );
    expect(refused, 'central still answers after the demo stopped').to.equal(true);
  });
});
