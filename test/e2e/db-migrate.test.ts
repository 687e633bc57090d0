import { expect } from 'chai';
import { mariaDbTestUrl, sqliteTestUrl, startProcess } from '@quire/testkit';
import { centralCli, serverEnv, siteCli, tempDataDir } from './servers';

async function migrate(name: string, cli: string, dbUrl: string) {
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [cli, 'db', 'migrate'],
    env: serverEnv({ QUIRE_DB_URL: dbUrl, QUIRE_DATA_DIR: tempDataDir(name) }),
  });
  const exit = await proc.waitForExit(60_000);
  return { code: exit.code, stderr: proc.stderr };
}

describe('db migrate', function () {
  this.timeout(300_000);

  it('quire-central db migrate applies the migrations on MariaDB once, then finds nothing to do', async () => {
    const url = await mariaDbTestUrl('e2e_migrate');
    const first = await migrate('central-migrate-1', centralCli, url);
    expect(first.code).to.equal(0);
    expect(first.stderr).to.match(/Applied: CreateAuthTables\d+, CreateSites\d+/);
    const second = await migrate('central-migrate-2', centralCli, url);
    expect(second.code).to.equal(0);
    expect(second.stderr).to.contain('The database is up to date.');
  });

  it('quire-site db migrate applies the migrations on SQLite', async () => {
    const result = await migrate('site-migrate', siteCli, sqliteTestUrl('e2e_site_migrate'));
    expect(result.code).to.equal(0);
    expect(result.stderr).to.match(/Applied: CreateAuthTables\d+/);
  });
});
