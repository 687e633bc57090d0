/**
 * Error-event notifications against a real SMTP server (testkit's sink) and real settings in SQLite, watching a
 * real winston logger made by @quire/common: with a 60-minute interval, 5 errors give one mail at once and one
 * digest of the other 4 once the (injected) clock and timer reach the end of the interval; warn lines and a
 * disabled setting send nothing; a flood is held as a count plus 50 lines; changed settings are read again
 * after a few seconds; SMTP down or unset is a warning, never an error and never a throw; stop cancels the timer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { commonEntities, commonMigrations, createLogger, openDatabase, type Logger } from '@quire/common';
import { freePort, startSmtpSink, type SmtpSink } from '@quire/testkit';
import { DirectorySettingEntity, DirectorySettings } from '../src/directory/directory-settings';
import { ErrorEventNotifier } from '../src/directory/error-event-notifier';
import { centralMigrations } from '../src/migrations';
import { centralEntities } from '../src/server';

const MINUTE = 60_000;

interface FakeTimer {
  callback: () => void;
  delayMs: number;
  cancelled: boolean;
}

describe('error-event notifications', function () {
  this.timeout(60_000);
  let dataDir: string;
  let dataSource: DataSource;
  let settings: DirectorySettings;
  let sink: SmtpSink;
  let notifier: ErrorEventNotifier | undefined;
  let logger: Logger;
  let logLines: Array<Record<string, unknown>>;
  let clock: number;
  let timers: FakeTimer[];

  /** A logger as central's, whose lines the test can read back. */
  function capturingLogger(): Logger {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        callback();
      },
    });
    return createLogger({ stream, level: 'info' });
  }

  async function startNotifier(): Promise<ErrorEventNotifier> {
    notifier = new ErrorEventNotifier({
      settings,
      logger: logger.child({ component: 'error-events' }),
      now: () => clock,
      startTimer: (callback, delayMs) => {
        const timer = { callback, delayMs, cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
      serverName: 'central-test',
    });
    await notifier.start(logger);
    return notifier;
  }

  async function useSettings(errorEvents: Record<string, unknown>, smtpPort = sink.port): Promise<void> {
    await settings.setSmtp({ host: '127.0.0.1', port: smtpPort, security: 'none', sender: 'q@example.test' });
    await settings.setErrorEvents({ errorEvents });
  }

  const pendingTimers = () => timers.filter((timer) => !timer.cancelled);

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'quire-error-events-'));
    ({ dataSource } = await openDatabase({
      url: `sqlite:${path.join(dataDir, 'central.db')}`,
      entities: [...commonEntities, ...centralEntities],
      migrations: [...commonMigrations, ...centralMigrations],
    }));
    settings = new DirectorySettings(dataSource);
    sink = await startSmtpSink();
  });

  beforeEach(() => {
    logLines = [];
    logger = capturingLogger();
    clock = Date.parse('2030-01-01T08:00:00Z');
    timers = [];
  });

  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    logger.close();
  });

  after(async () => {
    await dataSource?.destroy();
    await sink?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('mails the first of 5 errors at once, and the other 4 as one digest when the interval ends', async () => {
    await useSettings({ enabled: true, recipients: ['ops@example.test'], intervalMinutes: 60 });
    const already = sink.messages().length;
    const watcher = await startNotifier();
    for (let i = 1; i <= 5; i += 1) logger.error(`printer queue failure ${i}`, { component: 'spool' });
    await watcher.settled();
    const first = sink.messages().slice(already);
    expect(first).to.have.length(1);
    expect(first[0].to).to.deep.equal(['ops@example.test']);
    expect(first[0].subject).to.equal('Quire central on central-test: 1 error logged');
    expect(first[0].text).to.contain('printer queue failure 1').and.not.contain('printer queue failure 2');

    expect(pendingTimers()).to.have.length(1);
    expect(pendingTimers()[0].delayMs).to.equal(60 * MINUTE);
    clock += 60 * MINUTE + 1000;
    pendingTimers()[0].callback();
    await watcher.settled();
    const digest = sink.messages().slice(already + 1);
    expect(digest).to.have.length(1);
    expect(digest[0].subject).to.equal('Quire central on central-test: 4 errors logged');
    for (let i = 2; i <= 5; i += 1) expect(digest[0].text).to.contain(`printer queue failure ${i}`);
    expect(digest[0].text).not.to.contain('printer queue failure 1');
    expect(logLines.filter((line) => line.level === 'warn')).to.deep.equal([]);
  });

  it('sends nothing for warn and info lines', async () => {
    await useSettings({ enabled: true, recipients: ['ops@example.test'], intervalMinutes: 60 });
    const already = sink.messages().length;
    const watcher = await startNotifier();
    logger.warn('toner low');
    logger.info('job printed');
    logger.child({ component: 'sites' }).warn('site late');
    await watcher.settled();
    expect(sink.messages().length).to.equal(already);
    expect(timers).to.deep.equal([]);
  });

  it('sends nothing when disabled', async () => {
    await useSettings({ enabled: false, recipients: ['ops@example.test'], intervalMinutes: 0 });
    const already = sink.messages().length;
    const watcher = await startNotifier();
    for (let i = 0; i < 3; i += 1) logger.error('database gone');
    await watcher.settled();
    expect(sink.messages().length).to.equal(already);
    expect(timers).to.deep.equal([]);
  });

  it('holds a flood as a count and the first 50 lines, and mails every recipient', async () => {
    const recipients = ['ops@example.test', 'oncall@example.test'];
    await useSettings({ enabled: true, recipients, intervalMinutes: 15 });
    const already = sink.messages().length;
    const watcher = await startNotifier();
    for (let i = 0; i <= 60; i += 1) logger.error(`flood line ${i};`);
    await watcher.settled();
    clock += 15 * MINUTE;
    pendingTimers()[0].callback();
    await watcher.settled();
    const mails = sink.messages().slice(already);
    expect(mails.map((mail) => mail.to[0]).sort()).to.deep.equal([...recipients, ...recipients].sort());
    const digest = mails.find((mail) => mail.subject.includes('60 errors'));
    expect(digest, mails.map((m) => m.subject).join(', ')).to.not.equal(undefined);
    expect(digest!.text).to.contain('flood line 50;').and.not.contain('flood line 51;');
    expect(digest!.text).to.contain('... and 10 more');
  });

  it('reads changed settings again once they are a few seconds old, not on every line', async () => {
    await useSettings({ enabled: false, recipients: [], intervalMinutes: 60 });
    const already = sink.messages().length;
    const watcher = await startNotifier();
    await settings.setErrorEvents({ errorEvents: { enabled: true, recipients: ['ops@example.test'] } });
    logger.error('before the settings are read again');
    await watcher.settled();
    expect(sink.messages().length, 'settings a moment old are used as they are').to.equal(already);
    clock += 6_000;
    logger.error('after the settings are read again');
    await watcher.settled();
    const [mail] = sink.messages().slice(already);
    expect(mail?.text).to.contain('after the settings are read again');
  });

  it('only warns, and never throws, when the SMTP server is down or not set', async () => {
    await useSettings(
      { enabled: true, recipients: ['ops@example.test'], intervalMinutes: 0 },
      await freePort(),
    );
    const watcher = await startNotifier();
    expect(() => logger.error('disk full')).not.to.throw();
    await watcher.settled();
    await dataSource.manager.delete(DirectorySettingEntity, { key: 'smtp' });
    expect(() => logger.error('disk still full')).not.to.throw();
    await watcher.settled();
    const warnings = logLines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.message)).to.deep.equal([
      'error-event mail not sent',
      'error-event mail not sent: no SMTP server is configured',
    ]);
    expect(String(warnings[0].reason)).to.contain('refused the connection');
    expect(warnings.every((line) => line.component === 'error-events')).to.equal(true);
    const errors = logLines.filter((line) => line.level === 'error').map((line) => line.message);
    expect(errors, 'only the test’s own errors').to.deep.equal(['disk full', 'disk still full']);
  });

  it('stops watching, and cancels the digest timer, when stopped', async () => {
    await useSettings({ enabled: true, recipients: ['ops@example.test'], intervalMinutes: 60 });
    const already = sink.messages().length;
    const watcher = await startNotifier();
    logger.error('first');
    logger.error('held');
    await watcher.settled();
    expect(pendingTimers()).to.have.length(1);
    await watcher.stop();
    expect(pendingTimers()).to.deep.equal([]);
    clock += 120 * MINUTE;
    logger.error('after stop');
    await watcher.settled();
    expect(sink.messages().length).to.equal(already + 1);
    expect(
      logLines.some((line) => line.message === 'error-event digest not sent: central is stopping'),
    ).to.equal(true);
  });
});
