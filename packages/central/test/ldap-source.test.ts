/**
 * Integration tests of the LDAP source against real slapd servers started by the testkit: a full read of 10,000
 * generated users in nested groups (memberOf tree and flat, OU paths), paging past size limits, failover,
 * service-account and user binds, and reads that must fail whole (server killed mid-read, cancelled).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Client, SizeLimitExceededError } from 'ldapts';
import { isQuireError, type QuireError } from '@quire/common';
import {
  freePort,
  generateLdapDirectory,
  startSlapd,
  startUnacceptingPort,
  testRunDir,
  type GeneratedLdapDirectory,
  type Slapd,
} from '@quire/testkit';
import { normalizeDn } from '../src/directory/ldap-dn';
import { parseLdapSourceConfig, type LdapSourceConfigInput } from '../src/directory/ldap-source-config';
import { authenticateLdapUser, readLdapSource } from '../src/directory/ldap-source';
import { type SourceUser } from '../src/directory/source-user';

function sourceFor(
  slapd: Slapd,
  directory: GeneratedLdapDirectory,
  overrides: Partial<LdapSourceConfigInput> = {},
) {
  return parseLdapSourceConfig({
    name: 'test-ldap',
    type: 'ldap',
    urls: [slapd.url],
    bindDn: slapd.readerDn,
    bindPassword: slapd.readerPassword,
    baseDns: [directory.peopleDn],
    userFilter: '(objectClass=inetOrgPerson)',
    mapping: {
      personalNumber: 'employeeNumber',
      cards: ['carLicense', 'pager'],
      pin: 'employeeType',
      aliases: 'initials',
      phone: 'telephoneNumber',
      language: 'preferredLanguage',
    },
    groups: { mode: 'memberOf', baseDn: directory.groupsDn },
    ...overrides,
  });
}

async function startWith(directory: GeneratedLdapDirectory, sizeLimit?: number | string): Promise<Slapd> {
  const file = path.join(testRunDir(), `ldap-${directory.userCount}-${Date.now()}.ldif`);
  await directory.writeLdif(file);
  try {
    return await startSlapd({ preload: file, sizeLimit });
  } finally {
    rmSync(file, { force: true });
  }
}

async function rejection(promise: Promise<unknown>): Promise<QuireError> {
  try {
    await promise;
  } catch (err) {
    if (isQuireError(err)) return err;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

function byUsername(users: SourceUser[]): Map<string, SourceUser> {
  return new Map(users.map((user) => [user.username, user]));
}

const sorted = (paths: string[][]): string[][] =>
  [...paths].sort((a, b) => a.join('/').localeCompare(b.join('/')));

describe('LDAP source against slapd', function () {
  describe('a directory of 10,000 users in nested groups', () => {
    const directory = generateLdapDirectory({ users: 10_000, invalidUsers: 3, memberOf: true });
    let slapd: Slapd;

    before(async () => {
      slapd = await startWith(directory);
    });
    after(() => slapd?.stop());

    it('reads every user once, with mapped fields and nested group paths', async () => {
      const counts: number[] = [];
      const started = Date.now();
      const read = await readLdapSource(sourceFor(slapd, directory), { onProgress: (n) => counts.push(n) });
      process.stderr.write(`      full read of ${read.users.length} users: ${Date.now() - started} ms\n`);
      expect(read.users).to.have.length(10_000);
      expect(new Set(read.users.map((u) => u.username)).size).to.equal(10_000);
      expect(read.problems.map((p) => p.origin)).to.deep.equal(directory.invalidUserDns);
      expect(read.problems[0].message).to.equal('has no username (uid)');
      expect(counts.length).to.be.greaterThan(10);
      expect(counts.at(-1)).to.equal(10_003);
      expect(read.groups).to.have.length(directory.groupCount);
      const users = byUsername(read.users);
      for (let index = 0; index < 10_000; index += 997) {
        const expected = directory.user(index);
        const user = users.get(expected.uid) as SourceUser;
        expect(sorted(user.groups), expected.uid).to.deep.equal(directory.groupPathsOf(expected));
        expect(user).to.deep.include({
          fullName: expected.cn,
          email: expected.mail,
          personalNumber: expected.employeeNumber,
          phone: expected.phone,
          language: expected.language,
          cards: [...expected.carLicense, ...(expected.pager ? [expected.pager] : [])],
          pins: expected.pin ? [expected.pin] : [],
          aliases: expected.alias ? [expected.alias] : [],
        });
        expect(normalizeDn(user.origin)).to.equal(normalizeDn(expected.dn));
      }
    });

    it('gives deeply nested users the whole chain, top group first', async () => {
      const read = await readLdapSource(sourceFor(slapd, directory));
      const users = byUsername(read.users);
      const deep = Array.from({ length: 2_000 }, (_, index) => directory.user(index)).filter((user) =>
        user.groups.some((group) => directory.group(group).path.length >= 4),
      );
      expect(deep.length).to.be.greaterThan(10);
      for (const expected of deep.slice(0, 25)) {
        expect(sorted((users.get(expected.uid) as SourceUser).groups)).to.deep.equal(
          directory.groupPathsOf(expected),
        );
      }
      const withList = Array.from({ length: 2_000 }, (_, index) => directory.user(index)).find(
        (u) => u.lists.length,
      );
      expect(withList, 'a user also in a list outside the groups base').to.not.equal(undefined);
      const listed = users.get(withList?.uid as string) as SourceUser;
      expect(listed.groups.flat().some((name) => name.startsWith('list-'))).to.equal(false);
    });

    it('lists every group of the chain separately in flat mode, nearest first', async () => {
      const config = sourceFor(slapd, directory, {
        groups: { mode: 'memberOf', baseDn: directory.groupsDn, tree: false },
      });
      const users = byUsername((await readLdapSource(config)).users);
      for (let index = 5; index < 10_000; index += 1_499) {
        const expected = directory.user(index);
        const groups = (users.get(expected.uid) as SourceUser).groups;
        expect(groups.every((group) => group.length === 1)).to.equal(true);
        expect(groups.flat().sort()).to.deep.equal(directory.flatGroupsOf(expected));
        expect(groups[0][0]).to.equal(directory.group(expected.groups[0]).cn);
      }
    });

    it('takes groups from the OU path of the DN in ou mode', async () => {
      const all = byUsername(
        (await readLdapSource(sourceFor(slapd, directory, { groups: { mode: 'ou' } }))).users,
      );
      const below = sourceFor(slapd, directory, { groups: { mode: 'ou', baseDn: directory.peopleDn } });
      const belowPeople = byUsername((await readLdapSource(below)).users);
      for (const index of [0, 1, 2, 9]) {
        const expected = directory.user(index);
        expect(all.get(expected.uid)?.groups).to.deep.equal([expected.ous]);
        expect(belowPeople.get(expected.uid)?.groups).to.deep.equal([expected.ous.slice(1)]);
      }
      expect(all.get(directory.user(1).uid)?.groups).to.deep.equal([['people', 'Sales, EMEA']]);
    });
  });

  describe('size limits', () => {
    const directory = generateLdapDirectory({ users: 1_800, groups: 40 });

    it('pages past a per-search limit that stops a plain search at 500', async () => {
      const slapd = await startWith(
        directory,
        'size.soft=500 size.hard=unlimited size.pr=500 size.prtotal=unlimited',
      );
      try {
        const plain = new Client({ url: slapd.url });
        await plain.bind(slapd.readerDn, slapd.readerPassword);
        const refused = await plain.search(directory.peopleDn, { filter: '(uid=*)' }).then(
          () => null,
          (err: unknown) => err,
        );
        await plain.unbind();
        expect(refused).to.be.instanceOf(SizeLimitExceededError);
        const read = await readLdapSource(sourceFor(slapd, directory, { groups: { mode: 'none' } }));
        expect(read.users).to.have.length(1_800);
      } finally {
        await slapd.stop();
      }
    });

    it('fails the whole read, naming the limit, when the server caps the total', async () => {
      const slapd = await startWith(directory, 500);
      try {
        const err = await rejection(
          readLdapSource(sourceFor(slapd, directory, { groups: { mode: 'none' } })),
        );
        expect(err.details?.reason).to.equal('size-limit');
        expect(err.message).to.include('size limit stopped the read after 500 entries');
      } finally {
        await slapd.stop();
      }
    });
  });

  describe('connections and binds', () => {
    const directory = generateLdapDirectory({ users: 300, groups: 30 });
    let slapd: Slapd;

    before(async () => {
      slapd = await startSlapd();
      // Online, so the memberof overlay computes memberOf itself.
      await slapd.add(directory.toLdif());
    });
    after(() => slapd?.stop());

    it('agrees with the generator when slapd computed memberOf itself', async () => {
      const users = byUsername((await readLdapSource(sourceFor(slapd, directory))).users);
      expect(users.size).to.equal(300);
      for (const index of [0, 17, 150, 299]) {
        const expected = directory.user(index);
        expect(sorted((users.get(expected.uid) as SourceUser).groups)).to.deep.equal(
          directory.groupPathsOf(expected),
        );
      }
    });

    it('fails over to the next server when the first refuses or never answers', async () => {
      const refused = `ldap://127.0.0.1:${await freePort()}`;
      const silent = await startUnacceptingPort();
      try {
        const urls = [refused, `ldap://127.0.0.1:${silent.port}`, slapd.url];
        const started = Date.now();
        const read = await readLdapSource(sourceFor(slapd, directory, { urls, connectTimeoutSeconds: 1 }));
        expect(read.users).to.have.length(300);
        expect(Date.now() - started).to.be.within(900, 5_000);
      } finally {
        await silent.stop();
      }
    });

    it('says no server answered when none does', async () => {
      const urls = [`ldap://127.0.0.1:${await freePort()}`, `ldap://127.0.0.1:${await freePort()}`];
      const err = await rejection(readLdapSource(sourceFor(slapd, directory, { urls })));
      expect(err.details?.reason).to.equal('unavailable');
      expect(err.httpStatus).to.equal(503);
      expect(err.message).to.match(/no server answered \(ldap:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    });

    it('reports a wrong service password clearly, without quoting it', async () => {
      const config = sourceFor(slapd, directory, { bindPassword: 'wrong-service-password' });
      const err = await rejection(readLdapSource(config));
      expect(err.details?.reason).to.equal('bind-rejected');
      expect(err.message).to.include(`refused the bind as ${slapd.readerDn}`);
      expect(err.message).to.include('check bindDn and bindPassword');
      expect(err.message).not.to.include('wrong-service-password');
    });

    it('logs a user in by binding as them, revealing nothing about unknown users', async () => {
      const config = sourceFor(slapd, directory);
      const user = directory.user(3);
      expect(await authenticateLdapUser(config, user.uid, user.password as string)).to.equal(true);
      expect(await authenticateLdapUser(config, user.uid, 'wrong-password')).to.equal(false);
      expect(await authenticateLdapUser(config, 'no-such-user', 'wrong-password')).to.equal(false);
      expect(await authenticateLdapUser(config, user.uid, '')).to.equal(false);
      expect(await authenticateLdapUser(config, 'u00000*', user.password as string)).to.equal(false);
      const noPassword = directory.user(200);
      expect(await authenticateLdapUser(config, noPassword.uid, 'anything')).to.equal(false);
    });

    it('says the login server is unavailable when it cannot be reached', async () => {
      const config = sourceFor(slapd, directory, { urls: [`ldap://127.0.0.1:${await freePort()}`] });
      const user = directory.user(3);
      expect(await authenticateLdapUser(config, user.uid, user.password as string)).to.equal('unavailable');
    });

    it('rejects a cancelled read', async () => {
      const abort = new AbortController();
      const config = sourceFor(slapd, directory);
      const err = await rejection(
        readLdapSource(config, { pageSize: 50, signal: abort.signal, onProgress: () => abort.abort() }),
      );
      expect(err.details?.reason).to.equal('cancelled');
    });
  });

  describe('TLS', () => {
    const directory = generateLdapDirectory({ users: 120, groups: 12 });
    let slapd: Slapd;

    before(async () => {
      slapd = await startSlapd({ tls: true });
      await slapd.add(directory.toLdif());
    });
    after(() => slapd?.stop());

    it('reads over ldaps and over StartTLS, trusting the configured CA', async () => {
      const caFile = slapd.caFile as string;
      const ldaps = sourceFor(slapd, directory, { urls: [slapd.ldapsUrl as string], caFile });
      expect((await readLdapSource(ldaps)).users).to.have.length(120);
      const startTls = sourceFor(slapd, directory, { startTls: true, caFile });
      expect((await readLdapSource(startTls)).users).to.have.length(120);
      const user = directory.user(1);
      expect(await authenticateLdapUser(startTls, user.uid, user.password as string)).to.equal(true);
      expect(await authenticateLdapUser(ldaps, user.uid, 'wrong-password')).to.equal(false);
    });

    it('refuses a server whose certificate it cannot verify', async () => {
      const err = await rejection(
        readLdapSource(sourceFor(slapd, directory, { urls: [slapd.ldapsUrl as string] })),
      );
      expect(err.details?.reason).to.equal('unavailable');
      expect(err.message).to.match(/certificate/i);
    });
  });

  describe('a server lost in the middle of a read', () => {
    it('rejects and returns nothing', async () => {
      const directory = generateLdapDirectory({ users: 3_000, groups: 100, memberOf: true });
      const slapd = await startWith(directory);
      try {
        const seen: number[] = [];
        const reading = readLdapSource(sourceFor(slapd, directory), {
          pageSize: 100,
          onProgress: (count) => {
            seen.push(count);
            if (seen.length === 1) slapd.kill('SIGKILL');
          },
        });
        const err = await rejection(reading);
        expect(err.details?.reason).to.equal('connection-lost');
        expect(err.httpStatus).to.equal(503);
        // The next page is requested before a page is handed on, so slapd may have sent one more before dying.
        expect(seen[0]).to.equal(100);
        expect(seen.length).to.be.at.most(2);
        const delivered = seen[seen.length - 1];
        expect(err.message).to.match(
          new RegExp(`connection was lost after ${delivered} entries .*nothing was applied`),
        );
      } finally {
        await slapd.stop();
      }
    });
  });
});
