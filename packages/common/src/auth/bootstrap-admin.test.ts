/**
 * bootstrapAdmin: creates the first admin once (generated or configured password), prints a generated password
 * once and never logs it, audits the creation, and leaves an existing admin alone on every later start.
 */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import type { DataSource } from 'typeorm';
import { verifyPassword } from '../crypto';
import { openDatabase } from '../db/data-source';
import { createLogger } from '../logging/logger';
import { commonEntities, commonMigrations } from '../migrations';
import { AuditLogRepository } from './audit-log.repository';
import { AuditService } from './audit.service';
import { bootstrapAdmin } from './bootstrap-admin';
import { UserRepository } from './user.repository';

describe('bootstrapAdmin', () => {
  let dataSource: DataSource;
  let users: UserRepository;
  let audit: AuditService;
  let auditRows: AuditLogRepository;
  let logText: string;
  let printed: string[];
  const logger = () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => (logText += chunk.toString()));
    return createLogger({ level: 'debug', stream });
  };

  beforeEach(async () => {
    ({ dataSource } = await openDatabase({
      url: 'sqlite::memory:',
      entities: commonEntities,
      migrations: commonMigrations,
    }));
    users = new UserRepository(dataSource);
    auditRows = new AuditLogRepository(dataSource);
    audit = new AuditService(auditRows);
    logText = '';
    printed = [];
  });

  afterEach(() => dataSource.destroy());

  it('creates the admin with a generated password, prints it once and never logs it', async () => {
    const printOnce = (text: string) => printed.push(text);
    const first = await bootstrapAdmin({ users, audit, username: 'root', logger: logger(), printOnce });
    expect(first.created).to.equal(true);
    expect(first.username).to.equal('root');
    const password = first.generatedPassword as string;
    expect(password).to.match(/^[A-Za-z2-9]{20}$/);
    expect(printed).to.have.length(1);
    expect(printed[0]).to.contain('"root"').and.to.contain(password);
    expect(logText).to.contain('created the first administrator');
    expect(logText).not.to.contain(password);

    const admin = await users.findByUsername('root');
    expect(admin).to.include({ isAdmin: true, disabled: false, failedLoginCount: 0 });
    expect(await verifyPassword(password, admin!.passwordHash!)).to.equal(true);

    const [row] = await auditRows.find({ action: 'user.bootstrap-admin' });
    expect(row).to.include({ actorName: 'system', outcome: 'ok', targetType: 'user', targetId: admin!.id });
    expect(row.details).not.to.contain(password);
    expect(JSON.parse(row.details)).to.deep.equal({ username: 'root', passwordSource: 'generated' });
  });

  it('uses a configured password and prints nothing', async () => {
    const result = await bootstrapAdmin({
      users,
      audit,
      username: 'admin',
      password: 'configured-secret',
      logger: logger(),
      printOnce: (text) => printed.push(text),
    });
    expect(result).to.deep.equal({ created: true, username: 'admin' });
    expect(printed).to.deep.equal([]);
    const admin = await users.findByUsername('admin');
    expect(await verifyPassword('configured-secret', admin!.passwordHash!)).to.equal(true);
    expect(logText).not.to.contain('configured-secret');
  });

  it('changes nothing when a user already exists', async () => {
    const printOnce = (text: string) => printed.push(text);
    await bootstrapAdmin({
      users,
      audit,
      username: 'admin',
      password: 'first-password',
      logger: logger(),
      printOnce,
    });
    const before = await users.findByUsername('admin');

    const again = await bootstrapAdmin({ users, audit, username: 'admin', logger: logger(), printOnce });
    const renamed = await bootstrapAdmin({
      users,
      audit,
      username: 'other',
      password: 'x'.repeat(9),
      logger: logger(),
      printOnce,
    });
    expect(again).to.deep.equal({ created: false, username: 'admin' });
    expect(renamed).to.deep.equal({ created: false, username: 'other' });
    expect(printed).to.deep.equal([]);
    expect(await users.count()).to.equal(1);
    expect(await users.findByUsername('admin')).to.deep.equal(before);
    expect(await auditRows.find({ action: 'user.bootstrap-admin' })).to.have.length(1);
  });
});
