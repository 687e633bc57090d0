/**
 * Bulk ID-code generation end to end, on SQLite and MariaDB: 500 users of a group (one level of subgroups
 * included) get 500 unique, non-trivial codes; 500 mails reach a real SMTP server (testkit's in-process sink),
 * each carrying its own user's code in the `%id_number%` template; the database holds only lookup keys. Then
 * the same into the primary and secondary card slots: one card per member and slot, "only if empty" honoured,
 * the other slot untouched, and the new card found the way a site finds a presented card; a bad target is a
 * VALIDATION_FAILED naming the field (the REST API's answer to one is in directory-notifications.test.ts).
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
  ErrorCode,
  isQuireError,
  LookupKeys,
  openDatabase,
} from '@quire/common';
import { forEachDriver, startSmtpSink, type SmtpSink } from '@quire/testkit';
import { DirectoryCardEntity, DirectoryChangeFeed } from '../src/directory';
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

const MEMBERS = 12;

forEachDriver(
  'directory: bulk card/ID generation into the primary and secondary slots',
  (_driver, getUrl) => {
    let dataSource: DataSource;
    let sink: SmtpSink;
    let codes: DirectoryCodesService;
    let users: DirectoryUsersService;
    let feed: DirectoryChangeFeed;
    let staffId: string;
    const keys = new LookupKeys('slot-test-secret');
    const primary = new Map<string, string>();

    /** The `slot` card rows of every user, as userId → card key. */
    async function slotCards(slot: 'primary' | 'secondary'): Promise<Map<string, string>> {
      const rows = await dataSource.manager.findBy(DirectoryCardEntity, { slot });
      return new Map(rows.map((row) => [row.userId, row.cardKey]));
    }

    /** The user a site signs in for a presented card: the one whose shipped card keys hold the number's key. */
    async function userByCard(number: string): Promise<string | null> {
      const { users: records } = await feed.snapshot();
      return records.find((r) => r.cards.some((card) => card.key === keys.card(number)))?.username ?? null;
    }

    before(async function () {
      this.timeout(300_000);
      sink = await startSmtpSink();
      ({ dataSource } = await openDatabase({
        url: await getUrl(),
        entities: [...commonEntities, ...centralEntities],
        migrations: [...commonMigrations, ...centralMigrations],
      }));
      const repository = new DirectoryRepository();
      const groups = new DirectoryGroupsService({ dataSource, repository });
      users = new DirectoryUsersService({ dataSource, repository, lookupKeys: keys, pinMinLength: 4 });
      feed = new DirectoryChangeFeed(dataSource, repository);
      const settings = new DirectorySettings(dataSource);
      const staff = await groups.create('Staff', null);
      const outsiders = await groups.create('Outsiders', null);
      staffId = staff.id;
      for (let i = 0; i < MEMBERS; i += 1) {
        await users.create({
          username: `member${i}`,
          fullName: `Member ${i}`,
          email: `member${i}@example.test`,
          groups: [{ groupId: staff.id }],
          cards: i === 0 ? [{ number: 'BADGE-0', validUntil: null }] : undefined,
        });
      }
      await users.create({
        username: 'outsider',
        fullName: 'Outsider',
        email: 'outsider@example.test',
        groups: [{ groupId: outsiders.id }],
      });
      await settings.setSmtp({
        host: '127.0.0.1',
        port: sink.port,
        security: 'none',
        sender: 'q@example.test',
      });
      await settings.setTemplates({
        newIdCode: { subject: 'New ID code', body: 'Your new ID code to print/copy is %id_number%.' },
      });
      codes = new DirectoryCodesService({
        dataSource,
        repository,
        groups,
        settings,
        lookupKeys: keys,
        pinMinLength: 4,
        logger: createSilentLogger(),
      });
    });

    after(async () => {
      await dataSource?.destroy();
      await sink?.stop();
    });

    it('fills the primary slot of every member with a unique card, mails each their own, stores no clear code', async () => {
      const before = await dataSource.query('SELECT id, version FROM directory_users');
      const result = await codes.generate({
        groupId: staffId,
        target: 'primaryCard',
        onlyIfEmpty: true,
        notify: true,
        template: 'newIdCode',
      });
      expect(result.target).to.equal('primaryCard');
      expect(result.codes.map((c) => c.username).sort()).to.deep.equal(
        Array.from({ length: MEMBERS }, (_, i) => `member${i}`).sort(),
      );
      const values = result.codes.map((c) => c.code);
      expect(new Set(values).size).to.equal(MEMBERS);
      expect(values.every((code) => code.length >= 4 && !isTrivialCode(code))).to.equal(true);
      const cards = await slotCards('primary');
      expect(cards.size).to.equal(MEMBERS);
      for (const c of result.codes) {
        expect(cards.get(c.userId)).to.equal(keys.card(c.code));
        primary.set(c.userId, c.code);
        const user = await users.get(c.userId);
        expect(user.pinKey, 'the PIN is not the target').to.equal(null);
        const was = (before as Array<{ id: string; version: number }>).find((row) => row.id === c.userId);
        expect(user.version).to.be.greaterThan(was!.version);
      }
      const badge = await dataSource.manager.findOneBy(DirectoryCardEntity, {
        cardKey: keys.card('BADGE-0'),
      });
      expect(badge?.slot ?? null, 'an unslotted card stays').to.equal(null);

      const mails = await sink.waitForMessages(MEMBERS, 30_000);
      const codeOf = new Map(result.codes.map((c) => [`${c.username}@example.test`, c.code]));
      for (const mail of mails) {
        expect(mail.text).to.contain(`Your new ID code to print/copy is ${codeOf.get(mail.to[0])}.`);
      }
      expect(new Set(mails.map((m) => m.to[0])).size).to.equal(MEMBERS);
      const dump = JSON.stringify(
        await Promise.all(
          ['directory_users', 'directory_cards', 'directory_changes', 'directory_settings'].map((t) =>
            dataSource.query(`SELECT * FROM ${t}`),
          ),
        ),
      );
      for (const code of values) expect(dump.includes(`"${code}"`), 'clear code in the DB').to.equal(false);
    });

    it('changes nobody on a second primary run with onlyIfEmpty', async () => {
      const cardsBefore = await dataSource.query('SELECT * FROM directory_cards ORDER BY card_key');
      const version = await new DirectoryRepository().currentVersion(dataSource.manager);
      const result = await codes.generate({
        groupId: staffId,
        target: 'primaryCard',
        onlyIfEmpty: true,
        notify: true,
        template: 'newIdCode',
      });
      expect(result.codes).to.deep.equal([]);
      expect(await dataSource.query('SELECT * FROM directory_cards ORDER BY card_key')).to.deep.equal(
        cardsBefore,
      );
      expect(await new DirectoryRepository().currentVersion(dataSource.manager)).to.equal(version);
      expect(sink.messages()).to.have.length(MEMBERS);
    });

    it('fills the secondary slot and leaves the primary cards alone', async () => {
      const primaryBefore = await slotCards('primary');
      const result = await codes.generate({
        groupId: staffId,
        target: 'secondaryCard',
        onlyIfEmpty: true,
        notify: false,
        template: 'newIdCode',
      });
      expect(result.codes).to.have.length(MEMBERS);
      expect(await slotCards('primary')).to.deep.equal(primaryBefore);
      const secondary = await slotCards('secondary');
      for (const c of result.codes) {
        expect(secondary.get(c.userId)).to.equal(keys.card(c.code));
        expect(c.code).not.to.equal(primary.get(c.userId));
      }
    });

    it('replaces the slot card when asked for everyone, and the new card signs its user in', async () => {
      const [first] = [...primary.entries()];
      expect(await userByCard(first[1])).to.equal((await users.get(first[0])).username);
      const result = await codes.generate({
        groupId: staffId,
        target: 'primaryCard',
        onlyIfEmpty: false,
        notify: false,
        template: 'newIdCode',
      });
      expect(result.codes).to.have.length(MEMBERS);
      const cards = await slotCards('primary');
      expect(cards.size, 'still one primary card per member').to.equal(MEMBERS);
      const renewed = result.codes.find((c) => c.userId === first[0])!;
      expect(cards.get(first[0])).to.equal(keys.card(renewed.code));
      expect(await userByCard(renewed.code)).to.equal(renewed.username);
      expect(await userByCard(first[1]), 'the replaced card no longer works').to.equal(null);
      expect(await userByCard('BADGE-0')).to.equal('member0');
    });

    it('keeps one card per user and slot in the schema itself', async () => {
      const [userId] = [...primary.keys()];
      const duplicate = {
        cardKey: keys.card('EXTRA-PRIMARY'),
        userId,
        validUntil: null,
        slot: 'primary' as const,
      };
      const refused = await dataSource.manager.insert(DirectoryCardEntity, duplicate).then(
        () => false,
        () => true,
      );
      expect(refused, 'a second primary card is refused').to.equal(true);
      await dataSource.manager.insert(DirectoryCardEntity, [
        { cardKey: keys.card('PLAIN-1'), userId, validUntil: null },
        { cardKey: keys.card('PLAIN-2'), userId, validUntil: null },
      ]);
      expect(await dataSource.manager.countBy(DirectoryCardEntity, { userId })).to.be.at.least(4);
    });

    it('refuses an unknown target, naming the field', async () => {
      const err = await codes
        .generate({
          target: 'tertiaryCard' as never,
          onlyIfEmpty: true,
          notify: false,
          template: 'newIdCode',
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(isQuireError(err, ErrorCode.ValidationFailed), String(err)).to.equal(true);
      expect((err as Error).message).to.contain('target');
    });
  },
);
