/**
 * The error-event notifier without a mail server: the mail's subject and body for one error and for a digest
 * that outgrew its kept lines, and what it does when its settings cannot be read or no SMTP server is set
 * (warnings only, the settings asked again only once they are old). Mail delivery itself is tested against a
 * real SMTP server in test/error-event-notifier.test.ts.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, type Logger } from '@quire/common';
import { type ErrorEventSettings } from './error-event-settings';
import { errorEventMail, ErrorEventNotifier } from './error-event-notifier';

function capturingLogger(lines: Array<Record<string, unknown>>): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return createLogger({ stream });
}

describe('errorEventMail', () => {
  it('says how many errors in the subject and quotes the line', () => {
    const mail = errorEventMail({ count: 1, lines: ['{"level":"error","message":"boom"}'] }, 60, 'hq');
    expect(mail.subject).to.equal('Quire central on hq: 1 error logged');
    expect(mail.text).to.contain('{"level":"error","message":"boom"}');
    expect(mail.text).to.contain('at most every 60 minutes');
  });

  it('counts what it does not quote', () => {
    const mail = errorEventMail({ count: 7, lines: ['a', 'b'] }, 0, 'hq');
    expect(mail.subject).to.equal('Quire central on hq: 7 errors logged');
    expect(mail.text).to.contain('a\nb\n... and 5 more');
    expect(mail.text).to.contain('Every error is mailed as it happens.');
  });
});

describe('ErrorEventNotifier without a mail server', () => {
  let lines: Array<Record<string, unknown>>;
  let logger: Logger;
  let clock: number;
  let reads: number;
  let notifier: ErrorEventNotifier;
  let next: () => Promise<ErrorEventSettings>;

  beforeEach(async () => {
    lines = [];
    logger = capturingLogger(lines);
    clock = 1_000_000;
    reads = 0;
    next = async () => ({ enabled: true, recipients: ['ops@example.test'], intervalMinutes: 0 });
    notifier = new ErrorEventNotifier({
      settings: {
        errorEvents: () => {
          reads += 1;
          return next();
        },
        smtp: async () => null,
      },
      logger: logger.child({ component: 'error-events' }),
      now: () => clock,
      startTimer: () => () => undefined,
    });
    await notifier.start(logger);
  });

  afterEach(async () => {
    await notifier.stop();
    logger.close();
  });

  const warnings = () => lines.filter((line) => line.level === 'warn').map((line) => line.message);

  it('warns, at warn level only, that no SMTP server is set', async () => {
    logger.error('one');
    await notifier.settled();
    expect(warnings()).to.deep.equal(['error-event mail not sent: no SMTP server is configured']);
    expect(lines.filter((line) => line.level === 'error').map((line) => line.message)).to.deep.equal(['one']);
  });

  it('keeps its settings when they cannot be read, and asks again only once they are old', async () => {
    next = async () => {
      throw new Error('database is locked');
    };
    clock += 10_000;
    logger.error('first');
    await notifier.settled();
    for (let i = 0; i < 5; i += 1) logger.error('more');
    await notifier.settled();
    expect(reads, 'one read at start, one when the settings were old').to.equal(2);
    expect(warnings()).to.include('error-event settings could not be read; keeping the previous ones');
    expect(
      warnings().filter((w) => w === 'error-event mail not sent: no SMTP server is configured'),
    ).to.have.length(6);
  });
});
