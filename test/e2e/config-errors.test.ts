import { expect } from 'chai';
import { startProcess } from '@quire/testkit';
import { centralCli, serverEnv, siteCli, tempDataDir } from './servers';

function run(name: string, cli: string, args: string[], env: Record<string, string>) {
  return startProcess({ name, command: process.execPath, args: [cli, ...args], env: serverEnv(env) });
}

describe('start-up with a bad configuration', function () {
  this.timeout(60_000);

  it('central exits with code 2 and names the key when QUIRE_HTTP_PORT=abc', async () => {
    const proc = run('central-bad-port', centralCli, ['serve'], {
      QUIRE_HTTP_PORT: 'abc',
      QUIRE_DATA_DIR: tempDataDir('bad'),
    });
    const exit = await proc.waitForExit(30_000);
    expect(exit.code).to.equal(2);
    expect(proc.stderr).to.contain('QUIRE_HTTP_PORT: expected a port number from 0 to 65535, got "abc"');
  });

  it('a site exits with code 2 on an unknown QUIRE_ variable and on a bad config file', async () => {
    const typo = run('site-typo', siteCli, ['serve'], {
      QUIRE_CENTRAL_ADRESS: 'x:1',
      QUIRE_DATA_DIR: tempDataDir('bad'),
    });
    expect((await typo.waitForExit(30_000)).code).to.equal(2);
    expect(typo.stderr).to.contain('QUIRE_CENTRAL_ADRESS: unknown setting');

    const missing = run('site-missing-config', siteCli, ['serve', '--config', '/nonexistent/site.yaml'], {});
    expect((await missing.waitForExit(30_000)).code).to.equal(2);
    expect(missing.stderr).to.contain('--config /nonexistent/site.yaml: cannot read the file (ENOENT)');
  });

  it('exits with code 1 and a clear message when the database cannot be opened', async () => {
    const proc = run('central-bad-db', centralCli, ['serve'], {
      QUIRE_DB_URL: 'mysql://nobody:wrong@127.0.0.1:1/quire',
      QUIRE_DATA_DIR: tempDataDir('bad'),
      QUIRE_HTTP_PORT: '0',
      QUIRE_GRPC_PORT: '0',
    });
    expect((await proc.waitForExit(30_000)).code).to.equal(1);
    expect(proc.stderr).to.match(/quire-central: .*ECONNREFUSED/);
  });
});
