/**
 * Integration tests of event action delivery against real receivers on 127.0.0.1: the testkit SMTP sink and a
 * plain HTTP server. One toner-low episode, judged over several polls, sends exactly one mail with its
 * placeholders rendered (to the printer's contact) and one signed webhook POST; its close reaches only the action
 * that asked for closes. Failures (refused connection, an error status, no answer in time, no SMTP server) are
 * recorded on the action with their reason and never reach the evaluator.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { sqliteTestUrl, startSmtpSink, type SmtpSink } from '@quire/testkit';
import { type PrinterEntity } from '../src/printers/printer.entity';
import {
  eventsHarness,
  insertPrinter,
  observationOf,
  openEventsDatabase,
  readingOf,
  type EventsHarness,
} from './printers-events-fixtures';

interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver that records POSTs and answers with `status`, or never when `silent`. */
async function startReceiver(answer: { status: number; silent?: boolean }) {
  const received: ReceivedHook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (!answer.silent) res.writeHead(answer.status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/quire?token=abc`;
  return {
    url,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('printer event actions delivery', function () {
  this.timeout(30_000);
  let dataSource: DataSource;
  let events: EventsHarness;
  let sink: SmtpSink;
  let printer: PrinterEntity;
  const T0 = Date.parse('2025-03-01T10:00:00Z');
  const at = (n: number) => new Date(T0 + n * 60_000);

  before(async () => {
    dataSource = await openEventsDatabase(sqliteTestUrl('printer-events-delivery'));
    events = eventsHarness(dataSource, { webhookTimeoutSeconds: 1 });
    for (const builtIn of await events.definitions.list()) {
      await events.definitions.update(builtIn.id, { enabled: false });
    }
    sink = await startSmtpSink();
    await events.settings.setSmtp({
      host: sink.host,
      port: sink.port,
      security: 'none',
      sender: 'quire@example.org',
    });
    printer = await insertPrinter(dataSource, {
      name: 'Floor2-LJ',
      uri: 'socket://127.0.0.9:9100',
      serial: 'PHB7654321',
      contact: 'Jane Doe <jane@example.org>',
      group: 'floor-2',
    });
  });

  after(async () => {
    await events?.dispatcher.close();
    await events?.writer.close();
    await sink?.stop();
    await dataSource?.destroy();
  });

  it('sends one rendered mail and one signed webhook per episode, and the close only where asked', async () => {
    const receiver = await startReceiver({ status: 204 });
    try {
      const low = await events.definitions.create({
        name: 'Toner below 10% K',
        type: 'toner-low',
        params: { thresholdPercent: 10, colorant: 'black' },
      });
      const mail = await events.actions.create({
        name: 'Tell the contact',
        kind: 'email',
        definitionIds: [low.id],
        printerGroups: ['floor-2'],
        recipients: ['%prn.contact%'],
        subject: '%PRN.name% (%PRN.IP%): %supply% at %level%',
        body: 'Serial %PRN.SERIAL_NUMBER%, K=%TONER_K.LEVEL%, opened %EVENT.OPENED%, %EVENT.MESSAGE% %UNKNOWN.THING%',
      });
      const hook = await events.actions.create({
        name: 'Ticketing',
        kind: 'webhook',
        definitionIds: [low.id],
        url: receiver.url,
        secret: 'shared-secret',
        notifyOn: 'open-and-close',
      });

      let previous = null;
      for (const [i, level] of [50, 8, 7, 6, 9].entries()) {
        const now = observationOf(printer, at(i), readingOf(level));
        await events.observe(printer, now, previous);
        previous = now;
      }
      await events.dispatcher.idle();

      const messages = sink.messages();
      expect(messages).to.have.length(1);
      expect(messages[0].to).to.deep.equal(['jane@example.org']);
      expect(messages[0].subject).to.equal('Floor2-LJ (127.0.0.9): Black Toner at 8%');
      expect(messages[0].text?.trim()).to.equal(
        'Serial PHB7654321, K=8%, opened 2025-03-01 10:01:00 UTC, Black Toner at 8% (below 10%) %UNKNOWN.THING%',
      );

      expect(receiver.received).to.have.length(1);
      const [opened] = receiver.received;
      const expected = `sha256=${createHmac('sha256', 'shared-secret').update(opened.body).digest('hex')}`;
      expect(opened.headers['x-quire-signature']).to.equal(expected);
      expect(opened.headers['content-type']).to.equal('application/json');
      const payload = JSON.parse(opened.body) as Record<string, Record<string, unknown>>;
      expect(payload.event).to.include({
        definitionId: low.id,
        type: 'toner-low',
        transition: 'open',
        test: false,
      });
      expect(payload.printer).to.include({ id: printer.id, name: 'Floor2-LJ', address: '127.0.0.9' });
      expect(payload.episode).to.include({
        subject: '1.1',
        closedAt: null,
        message: 'Black Toner at 8% (below 10%)',
      });

      await events.observe(printer, observationOf(printer, at(10), readingOf(80)), previous);
      await events.dispatcher.idle();
      expect(sink.messages()).to.have.length(1);
      expect(receiver.received).to.have.length(2);
      const closed = JSON.parse(receiver.received[1].body) as Record<string, Record<string, unknown>>;
      expect(closed.event.transition).to.equal('close');
      expect(closed.episode.closedAt).to.equal(at(10).toISOString());

      for (const id of [mail.id, hook.id]) {
        const action = await events.actions.get(id);
        expect(action.lastSentAt, action.name).to.not.equal(null);
        expect(action.lastError, action.name).to.equal(null);
      }
      await events.actions.remove(mail.id);
      await events.actions.remove(hook.id);
      await events.definitions.remove(low.id);
    } finally {
      await receiver.stop();
    }
  });

  it('records why a delivery failed on the action, without troubling the evaluator', async () => {
    const failing = await startReceiver({ status: 500 });
    const silent = await startReceiver({ status: 200, silent: true });
    const refused = await startReceiver({ status: 200 });
    await refused.stop();
    try {
      const jam = await events.definitions.create({ name: 'Jam', type: 'paper-jam' });
      const hook = (name: string, url: string) =>
        events.actions.create({ name, kind: 'webhook', definitionIds: [jam.id], url });
      const error500 = await hook('Errors', failing.url);
      const timeout = await hook('Silent', silent.url);
      const closed = await hook('Refused', refused.url);
      const noContact = await events.actions.create({
        name: 'Contact',
        kind: 'email',
        definitionIds: [jam.id],
        recipients: ['%PRN.CONTACT%'],
      });
      const nobody = await insertPrinter(dataSource, { name: 'No-Contact', contact: 'call extension 42' });

      const jammed = observationOf(nobody, at(0), readingOf(50, { errorState: ['jammed'] }));
      await events.observe(nobody, jammed, null);
      await events.dispatcher.idle();

      const errorOf = async (id: string) => (await events.actions.get(id)).lastError;
      expect(await errorOf(error500.id)).to.match(
        /^Webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/quire answered 500/,
      );
      expect(await errorOf(timeout.id)).to.match(/did not answer within 1 s/);
      expect(await errorOf(closed.id)).to.match(/refused the connection/);
      expect(await errorOf(noContact.id)).to.equal(
        'Event mail not sent: the printer\'s contact "call extension 42" holds no email address',
      );
      expect(await errorOf(error500.id)).to.not.include('token=abc');
      const action = await events.actions.get(error500.id);
      expect(action.lastSentAt).to.equal(null);
      expect(action.lastErrorAt).to.not.equal(null);
      expect((await events.episodes.openFor(nobody.id)).map((e) => e.type)).to.deep.equal(['paper-jam']);
      for (const id of [error500.id, timeout.id, closed.id, noContact.id]) await events.actions.remove(id);
      await events.definitions.remove(jam.id);
    } finally {
      await failing.stop();
      await silent.stop();
    }
  });

  it('sends a test notification on demand and says why when it cannot', async () => {
    const jam = await events.definitions.create({ name: 'Jam test', type: 'paper-jam' });
    const mail = await events.actions.create({
      name: 'Test mail',
      kind: 'email',
      definitionIds: [jam.id],
      recipients: ['ops@example.org'],
      subject: 'Test of %EVENT.NAME% on %PRN.NAME%',
    });
    const before = sink.messages().length;
    const report = await events.dispatcher.sendTest(mail.id, printer);
    expect(report.reached).to.deep.equal(['ops@example.org']);
    const messages = await sink.waitForMessages(before + 1);
    expect(messages[before].subject).to.equal('Test of Test event on Floor2-LJ');

    const refused = await events.actions.create({
      name: 'Dead hook',
      kind: 'webhook',
      definitionIds: [jam.id],
      url: 'http://127.0.0.1:1/nothing',
    });
    const failure = await events.dispatcher.sendTest(refused.id).then(
      () => null,
      (err: Error) => err,
    );
    expect(failure?.message).to.match(/^Webhook http:\/\/127\.0\.0\.1:1\/nothing refused the connection/);
    expect((await events.actions.get(refused.id)).lastError).to.equal(failure?.message);
    await events.actions.remove(mail.id);
    await events.actions.remove(refused.id);
    await events.definitions.remove(jam.id);
  });
});
