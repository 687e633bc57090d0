/**
 * Integration test: a real MariaDB server (installed with apt when missing, then started on a free loopback
 * port) hands out per-test databases that the unprivileged quire user can use over TCP.
 */
import { expect } from 'chai';
import { createConnection } from 'mysql2/promise';
import { sharedMariaDb } from '../src/shared-mariadb';
import { forEachDriver } from '../src/databases';

async function tablesIn(url: string): Promise<string[]> {
  const connection = await createConnection(url);
  try {
    const [rows] = await connection.query('SHOW TABLES');
    return (rows as Record<string, string>[]).map((row) => Object.values(row)[0]);
  } finally {
    await connection.end();
  }
}

describe('MariaDB test server', function () {
  // The first call may install mariadb-server with apt on a fresh machine.
  this.timeout(300_000);

  it('starts once and is shared', async () => {
    const first = sharedMariaDb();
    expect(sharedMariaDb()).to.equal(first);
    const server = await first;
    expect(server.host).to.equal('127.0.0.1');
    expect(server.port).to.be.within(1, 65535);
  });

  it('creates a database the quire user can connect to and create a table in', async () => {
    const server = await sharedMariaDb();
    const url = await server.createDatabase('smoke');
    expect(url).to.match(
      new RegExp(`^mysql://quire:quirepass@127\\.0\\.0\\.1:${server.port}/quire_smoke_[0-9a-f]{8}$`),
    );
    const connection = await createConnection(url);
    try {
      await connection.query('CREATE TABLE probe (id INT PRIMARY KEY, name VARCHAR(20))');
      await connection.query("INSERT INTO probe VALUES (1, 'printer')");
      const [rows] = await connection.query('SELECT name FROM probe');
      expect(rows).to.deep.equal([{ name: 'printer' }]);
      const [[who]] = (await connection.query('SELECT CURRENT_USER() AS who')) as unknown as [
        { who: string }[],
      ];
      expect(who.who).to.equal('quire@127.0.0.1');
    } finally {
      await connection.end();
    }
  });

  it('gives every createDatabase call its own database', async () => {
    const server = await sharedMariaDb();
    const [a, b] = await Promise.all([server.createDatabase('twin'), server.createDatabase('twin')]);
    expect(a).to.not.equal(b);
    const connection = await createConnection(a);
    try {
      await connection.query('CREATE TABLE only_in_a (id INT)');
    } finally {
      await connection.end();
    }
    expect(await tablesIn(a)).to.deep.equal(['only_in_a']);
    expect(await tablesIn(b)).to.deep.equal([]);
  });

  it('drops a database by URL and refuses URLs of non-test databases', async () => {
    const server = await sharedMariaDb();
    const url = await server.createDatabase('dropme');
    await server.dropDatabase(url);
    const error = await tablesIn(url).then(
      () => undefined,
      (err: { code?: string }) => err,
    );
    expect(error?.code).to.equal('ER_BAD_DB_ERROR');
    const refusal = await server.dropDatabase(`mysql://quire:x@127.0.0.1:${server.port}/mysql`).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refusal?.message).to.equal('refusing to drop "mysql": not a test database (quire_*)');
  });

  it('denies the quire user access to databases outside quire_*', async () => {
    const server = await sharedMariaDb();
    const error = await tablesIn(`mysql://quire:quirepass@127.0.0.1:${server.port}/mysql`).then(
      () => undefined,
      (err: { code?: string }) => err,
    );
    expect(error?.code).to.equal('ER_DBACCESS_DENIED_ERROR');
  });
});

forEachDriver('forEachDriver', (driver, getUrl) => {
  it('hands out a fresh URL of the matching driver on every call', async () => {
    const [first, second] = [await getUrl(), await getUrl()];
    expect(first).to.not.equal(second);
    expect(first.startsWith(driver === 'sqlite' ? 'sqlite:' : 'mysql://')).to.equal(true);
  });
});
