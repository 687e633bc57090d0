/**
 * Bulk ID-code generation end to end, on SQLite and MariaDB: 500 users of a group (one level of subgroups
 * included) get 500 unique, non-trivial codes; 500 mails reach a real SMTP server (testkit's in-process sink),
 * each carrying its own user's code in the `%id_number%` template; the database holds only lookup keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  LookupKeys,
  openDatabase,
} from '@quire/common';
import { forEachDriver, startSmtpSink, type SmtpSink } from '@quire/testkit';
import { isTrivialCode } from '../src/directory/code-generator';
import { DirectoryCodesService } from '../src/directory/directory-codes.service';
import { DirectoryGroupsService } from '../src/directory/directory-groups.service';
import { DirectorySettings } from '../src/directory/directory-settings';
import { DirectoryUsersService } from '../src/directory/directory-users.service';
import { DirectoryRepository } from '../src/directory/directory.repository';
import { centralMigrations } from '../src/migrations';
import { centralEntities } from '../src/server';

const USERS = 500;

forEachDriver('directory: bulk ID-code generation', (_driver, getUrl) => {
  let dataSource: DataSource;
  let sink: SmtpSink;
  let base: string;
  const keys = new LookupKeys('codes-test-secret');

  before(async function () {
    this.timeout(300_000);
    base = mkdtempSync(path.join(tmpdir(), 'quire-codes-'));
    sink = await startSmtpSink();
    ({ dataSource } = await openDatabase({
      url: await getUrl(),
      entities: [...commonEntities, ...centralEntities],
      migrations: [...commonMigrations, ...centralMigrations],
    }));
  });

  after(async () => {
    await dataSource?.destroy();
    await sink?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('writes 500 unique codes, mails each user their own, and stores no clear code', async function () {
    this.timeout(300_000);
    const repository = new DirectoryRepository();
    const groups = new DirectoryGroupsService({ dataSource, repository });
    const users = new DirectoryUsersService({ dataSource, repository, lookupKeys: keys, pinMinLength: 4 });
    const settings = new DirectorySettings(dataSource);
    const staff = await groups.create('Staff', null);
    const finance = await groups.create('Finance', staff.id);
    const outsider = await groups.create('Visitors', null);
    await dataSource.transaction(async (tx) => {
      for (let i = 0; i < USERS; i += 1) {
        const group = i % 2 === 0 ? staff : finance;
        await users.create(
          {
            username: `user${i}`,
            fullName: `User ${i}`,
            email: `user${i}@example.test`,
            groups: [{ groupId: group.id }],
          },
          'manual',
          tx,
        );
      }
      await users.create(
        {
          username: 'visitor',
          fullName: 'Visitor',
          email: 'visitor@example.test',
          groups: [{ groupId: outsider.id }],
        },
        'manual',
        tx,
      );
    });
    await settings.setSmtp({
      host: '127.0.0.1',
      port: sink.port,
      security: 'none',
      sender: 'quire@example.test',
    });
    await settings.setTemplates({
      newIdCode: {
        subject: 'New ID code print server',
        body: 'Hello %fullname%, your new ID code is %id_number%.',
      },
    });
    const codes = new DirectoryCodesService({
      dataSource,
      repository,
      groups,
      settings,
      lookupKeys: keys,
      pinMinLength: 4,
      logger: createSilentLogger(),
    });

    const started = Date.now();
    const result = await codes.generate({
      groupId: staff.id,
      onlyIfEmpty: true,
      notify: true,
      template: 'newIdCode',
    });
    const took = Date.now() - started;

    expect(result.codes).to.have.length(USERS);
    expect(result.codes.map((c) => c.username)).not.to.include('visitor');
    const values = result.codes.map((c) => c.code);
    expect(new Set(values).size, 'unique').to.equal(USERS);
    expect(values.every((code) => /^\d+$/.test(code) && code.length >= 4 && !isTrivialCode(code))).to.equal(
      true,
    );
    expect(result.codes.every((c) => c.mailed)).to.equal(true);

    const mails = await sink.waitForMessages(USERS, 120_000);
    expect(mails).to.have.length(USERS);
    const codeOf = new Map(result.codes.map((c) => [`${c.username}@example.test`, c.code]));
    for (const mail of mails) {
      const to = mail.to[0];
      expect(mail.subject).to.equal('New ID code print server');
      expect(mail.text, to).to.contain(`your new ID code is ${codeOf.get(to)}.`);
    }
    expect(new Set(mails.map((m) => m.to[0])).size).to.equal(USERS);

    const rows = await dataSource.query('SELECT * FROM directory_users');
    const dump = JSON.stringify(rows);
    for (const code of values) expect(dump.includes(`"${code}"`), 'clear code in the DB').to.equal(false);
    for (const c of result.codes.slice(0, 20)) {
      expect((await users.get(c.userId)).pinKey).to.equal(keys.pin(c.code));
    }
    this.test!.title += ` (${took} ms)`;
  });
});
