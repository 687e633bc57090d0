/**
 * The mailer against a real SMTP server (the testkit sink on loopback): 500 ID-code mails, each user getting
 * exactly their own code through the `%id_number%` template; the "send test mail" failures an administrator
 * meets (wrong password, no password, refused connection, unreachable host, TLS trust); a refused recipient
 * reported for its own message only; STARTTLS; logs that never carry a code or the password; and the
 * notification rate limiter.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, ErrorCode, isQuireError, type QuireError } from '@quire/common';
import { freePort, startSmtpSink, startUnacceptingPort, type SmtpSink } from '@quire/testkit';
import { generateCodes, minimumCodeLength } from '../src/directory/code-generator';
import { DEFAULT_MAIL_TEMPLATES, renderMail } from '../src/directory/mail-templates';
import { Mailer, RateLimiter, type MailMessage, type SmtpSettingsInput } from '@quire/common';

const SENDER = 'print@example.test';

function plainSettings(sink: { port: number }, extra: Partial<SmtpSettingsInput> = {}): SmtpSettingsInput {
  return { host: '127.0.0.1', port: sink.port, security: 'none', sender: SENDER, ...extra };
}

async function expectSmtpFailure(
  promise: Promise<unknown>,
  code: ErrorCode,
  reason: string,
): Promise<QuireError> {
  try {
    await promise;
  } catch (err) {
    expect(isQuireError(err, code), String(err)).to.equal(true);
    const error = err as QuireError;
    expect(error.details?.reason, error.message).to.equal(reason);
    return error;
  }
  throw new Error(`expected a ${code} error with reason ${reason}`);
}

function idCodeMail(n: number, code: string): MailMessage {
  const vars = {
    id_number: code,
    username: `user-${n}`,
    fullname: n % 7 === 0 ? `Zoë Ünal ${n}` : `User ${n}`,
  };
  return { to: `user-${n}@example.test`, ...renderMail(DEFAULT_MAIL_TEMPLATES.newIdCode, vars) };
}

describe('Mailer with a real SMTP server', function () {
  this.timeout(120_000);
  const mailers: Mailer[] = [];
  const sinks: SmtpSink[] = [];

  function mailer(settings: SmtpSettingsInput, logger?: ReturnType<typeof createLogger>): Mailer {
    const created = new Mailer(settings, { logger });
    mailers.push(created);
    return created;
  }

  async function sink(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
    const started = await startSmtpSink(options);
    sinks.push(started);
    return started;
  }

  afterEach(async () => {
    await Promise.all(mailers.splice(0).map((m) => m.close()));
    await Promise.all(sinks.splice(0).map((s) => s.stop()));
  });

  it('delivers 500 ID-code mails, each user getting exactly their own code', async function () {
    const smtp = await sink();
    const users = 500;
    const length = minimumCodeLength(users, 4);
    const codes = await generateCodes(users, length, () => false);
    const messages = codes.map((code, n) => idCodeMail(n, code));

    const started = performance.now();
    const outcomes = await mailer(plainSettings(smtp, { maxConnections: 5 })).sendMany(messages, {
      concurrency: 10,
    });
    const received = await smtp.waitForMessages(users, 60_000);
    const elapsedMs = performance.now() - started;
    this.test!.title += ` [${users} sent in ${Math.round(elapsedMs)} ms]`;

    expect(outcomes.filter((outcome) => !outcome.ok)).to.deep.equal([]);
    expect(outcomes.map((outcome) => outcome.to)).to.deep.equal(messages.map((m) => m.to));
    expect(received).to.have.length(users);
    const byRecipient = new Map<string, string[]>();
    for (const message of received) {
      expect(message.to).to.have.length(1);
      expect(message.from).to.equal(SENDER);
      expect(message.subject).to.equal('New ID code print server');
      byRecipient.set(message.to[0], [...(byRecipient.get(message.to[0]) ?? []), message.text ?? '']);
    }
    expect(byRecipient.size).to.equal(users);
    codes.forEach((code, n) => {
      const texts = byRecipient.get(`user-${n}@example.test`) ?? [];
      expect(texts, `user-${n}`).to.have.length(1);
      expect(texts[0]).to.contain(`Your new ID code to print/copy is ${code}. Keep it confidential.`);
      const name = n % 7 === 0 ? `Zoë Ünal ${n}` : `User ${n}`;
      expect(texts[0]).to.contain(`Hello ${name},`);
      const otherCodes = texts[0].match(/\b\d{4}\b/g) ?? [];
      expect(otherCodes, `user-${n} sees only their own code`).to.deep.equal([code]);
    });
  });

  it('sends a test mail, and names a wrong SMTP password without repeating it', async () => {
    const smtp = await sink({ auth: { user: 'relay', password: 'right-secret' } });
    const good = await mailer(
      plainSettings(smtp, { auth: { user: 'relay', password: 'right-secret' } }),
    ).sendTest('admin@example.test');
    expect(good.response).to.match(/^250/);
    const [test] = await smtp.waitForMessages(1);
    expect(test.subject).to.equal('Quire test mail');
    expect(test.user).to.equal('relay');
    expect(test.text).to.contain('the SMTP settings work');

    const wrong = mailer(plainSettings(smtp, { auth: { user: 'relay', password: 'wrong-secret' } }));
    const error = await expectSmtpFailure(
      wrong.sendTest('admin@example.test'),
      ErrorCode.ValidationFailed,
      'auth-failed',
    );
    expect(error.message).to.match(/^Mail server 127\.0\.0\.1:\d+ refused the SMTP user name or password/);
    expect(error.details?.responseCode).to.equal(535);
    expect(JSON.stringify({ message: error.message, details: error.details })).to.not.contain('wrong-secret');
    expect(smtp.authFailures()).to.equal(1);

    const anonymous = mailer(plainSettings(smtp));
    const missing = await expectSmtpFailure(
      anonymous.sendTest('admin@example.test'),
      ErrorCode.ValidationFailed,
      'auth-required',
    );
    expect(missing.message).to.match(/requires authentication: set an SMTP user and password/);
    expect(smtp.messages()).to.have.length(1);
  });

  it('reports a refused recipient and a malformed address for their own messages while the others go through', async () => {
    const smtp = await sink({ rejectRecipients: ['user-3@example.test'] });
    const messages = [0, 1, 2, 3, 4].map((n) => idCodeMail(n, `50${n}17`));
    messages.push({ to: 'not an address', subject: 'x', text: 'y' });
    const outcomes = await mailer(plainSettings(smtp)).sendMany(messages, { concurrency: 3 });

    expect(outcomes.map((outcome) => outcome.ok)).to.deep.equal([true, true, true, false, true, false]);
    const refused = outcomes[3];
    if (refused.ok) throw new Error('user-3 should have been refused');
    expect(refused.error.details?.reason).to.equal('recipient-rejected');
    expect(refused.error.message).to.contain('rejected the recipient user-3@example.test');
    expect(refused.error.details?.responseCode).to.equal(550);
    const malformed = outcomes[5];
    if (malformed.ok) throw new Error('a malformed address cannot be sent to');
    expect(malformed.error.details?.reason).to.equal('invalid-address');

    const received = await smtp.waitForMessages(4);
    expect(received.map((m) => m.to[0]).sort()).to.deep.equal([
      'user-0@example.test',
      'user-1@example.test',
      'user-2@example.test',
      'user-4@example.test',
    ]);
    expect(smtp.rejectedRecipients()).to.deep.equal(['user-3@example.test']);
  });

  it('says the connection was refused when nothing listens, and sendMany still resolves', async () => {
    const port = await freePort();
    const closed = mailer(plainSettings({ port }));
    const error = await expectSmtpFailure(
      closed.sendTest('admin@example.test'),
      ErrorCode.NotReady,
      'connection-refused',
    );
    expect(error.message).to.equal(
      `Mail server 127.0.0.1:${port} refused the connection: check the SMTP host and port`,
    );

    const outcomes = await closed.sendMany([idCodeMail(1, '5071'), idCodeMail(2, '6283')]);
    expect(outcomes.map((o) => (o.ok ? 'sent' : o.error.details?.reason))).to.deep.equal([
      'connection-refused',
      'connection-refused',
    ]);
  });

  it('gives up on a host that never answers after the connection timeout', async () => {
    const unaccepting = await startUnacceptingPort();
    try {
      const slow = mailer(plainSettings(unaccepting, { connectionTimeoutMs: 500, greetingTimeoutMs: 500 }));
      const started = performance.now();
      const error = await expectSmtpFailure(
        slow.sendTest('admin@example.test'),
        ErrorCode.NotReady,
        'timeout',
      );
      expect(error.message).to.match(/did not answer in time/);
      expect(performance.now() - started).to.be.below(10_000);

      const bulkStarted = performance.now();
      const messages = Array.from({ length: 30 }, (_, n) => idCodeMail(n, `7${n}31`));
      const outcomes = await slow.sendMany(messages, { concurrency: 3 });
      const bulkMs = performance.now() - bulkStarted;
      expect(outcomes.map((o) => (o.ok ? 'sent' : o.error.details?.reason))).to.deep.equal(
        messages.map(() => 'timeout'),
      );
      expect(bulkMs, 'the rest are reported without waiting out a timeout each').to.be.below(3_000);
      const last = outcomes[29];
      expect(last.ok ? '' : last.error.message).to.match(
        /^Not sent to user-29@example\.test: Mail server .* did not answer/,
      );
    } finally {
      await unaccepting.stop();
    }
  });

  it('upgrades with STARTTLS to a server it trusts, and refuses one it does not', async () => {
    const smtp = await sink({ starttls: true });
    const trusting = mailer(
      plainSettings(smtp, { security: 'starttls', trustedCaPem: smtp.certificatePem! }),
    );
    await trusting.sendTest('admin@example.test');
    const [message] = await smtp.waitForMessages(1);
    expect(message.secure).to.equal(true);

    const distrusting = mailer(plainSettings(smtp, { security: 'starttls' }));
    const untrusted = await expectSmtpFailure(
      distrusting.sendTest('admin@example.test'),
      ErrorCode.NotReady,
      'tls-failed',
    );
    expect(untrusted.message).to.match(/certificate that is not trusted \(self-signed certificate\)/);
    const implicit = mailer(plainSettings(smtp, { security: 'tls' }));
    const notTls = await expectSmtpFailure(
      implicit.sendTest('admin@example.test'),
      ErrorCode.NotReady,
      'tls-failed',
    );
    expect(notTls.message).to.match(/does not speak TLS on this port/);

    const plain = await sink();
    const requiring = mailer(plainSettings(plain, { security: 'starttls' }));
    const error = await expectSmtpFailure(
      requiring.sendTest('admin@example.test'),
      ErrorCode.NotReady,
      'tls-failed',
    );
    expect(error.message).to.match(/does not support STARTTLS/);
    expect(smtp.messages()).to.have.length(1);
    expect(plain.messages()).to.have.length(0);
  });

  it('logs outcomes without the code, the body or the SMTP password', async () => {
    const smtp = await sink({
      auth: { user: 'relay', password: 'pa55-w0rd' },
      rejectRecipients: ['user-2@example.test'],
    });
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', stream });
    const logged = mailer(plainSettings(smtp, { auth: { user: 'relay', password: 'pa55-w0rd' } }), logger);
    await logged.sendMany([idCodeMail(1, '918273'), idCodeMail(2, '564738')]);
    await logged.sendTest('admin@example.test');
    const wrong = mailer(plainSettings(smtp, { auth: { user: 'relay', password: 'pa55-w1rd' } }), logger);
    await wrong.sendMany([idCodeMail(3, '102938')]);

    const output = lines.join('');
    expect(output).to.contain('Bulk mail finished');
    expect(output).to.contain('recipient-rejected');
    expect(output).to.contain('auth-failed');
    for (const secret of ['918273', '564738', '102938', 'pa55-w0rd', 'pa55-w1rd', 'ID code']) {
      expect(output, secret).to.not.contain(secret);
    }
  });
});

describe('RateLimiter', () => {
  it('lets one notification per key through every N minutes, on an injected clock', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ intervalMinutes: 60, now: () => now });
    expect(limiter.tryAcquire('error-events')).to.equal(true);
    expect(limiter.tryAcquire('error-events')).to.equal(false);
    expect(limiter.tryAcquire('low-toner:printer-7')).to.equal(true);
    expect(limiter.nextAllowedAt('error-events')).to.equal(1_000_000 + 3_600_000);
    now += 3_600_000 - 1;
    expect(limiter.tryAcquire('error-events')).to.equal(false);
    now += 1;
    expect(limiter.tryAcquire('error-events')).to.equal(true);
    expect(limiter.tryAcquire('error-events')).to.equal(false);
    expect(limiter.tryAcquire('low-toner:printer-7')).to.equal(true);
  });

  it('forgets expired keys as it grows, without forgetting active ones', () => {
    let now = 0;
    const limiter = new RateLimiter({ intervalMinutes: 1, now: () => now });
    for (let i = 0; i < 5_000; i++) limiter.tryAcquire(`old-${i}`);
    now = 30_000;
    expect(limiter.tryAcquire('old-17')).to.equal(false);
    now = 60_000;
    for (let i = 0; i < 5_000; i++) expect(limiter.tryAcquire(`new-${i}`)).to.equal(true);
    expect(limiter.tryAcquire('new-4999')).to.equal(false);
    expect(limiter.size).to.be.at.most(5_000);
    expect(limiter.tryAcquire('old-17')).to.equal(true);
  });

  it('lets everything through with an interval of 0 and refuses a negative interval', () => {
    const limiter = new RateLimiter({ intervalMinutes: 0 });
    expect(limiter.tryAcquire('k')).to.equal(true);
    expect(limiter.tryAcquire('k')).to.equal(true);
    expect(() => new RateLimiter({ intervalMinutes: -1 })).to.throw(/0 or more minutes/);
  });
});
