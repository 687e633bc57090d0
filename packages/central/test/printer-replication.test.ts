/**
 * Integration tests of the printer records at central, on SQLite and on MariaDB: sites (raw gRPC clients)
 * replicate printer counter snapshots and printer event episodes through the real inbox; replays and re-sent
 * snapshots leave one row, an episode sent open then closed is one closed row, malformed bodies are refused
 * naming the field. Then the SNMP counter report and the event history over REST, on a small data set whose
 * figures are worked out by hand: periods, pages across a counter reset, filters, paging, CSV and rights.
 */
import { expect } from 'chai';
import {
  createHttpApp,
  createSilentLogger,
  hashPassword,
  HttpServer,
  newId,
  UserRepository,
} from '@quire/common';
import { type PrinterCounterRecord, type PrinterEventRecord } from '@quire/shared-proto';
import { forEachDriver } from '@quire/testkit';
import {
  PrinterReportsRepository,
  PrinterReportsService,
  printerReportsRouter,
} from '../src/printer-reports';
import { api, outboxRecord, SiteClient, startCentral, type Central } from './replication-fixture';

/** The parts of a counter report row the figures are checked on. */
interface CounterRow {
  siteName: string;
  printerName: string;
  snapshots: number;
  first: { at: string; total: number };
  last: { at: string; total: number };
  pages: Record<string, number | null>;
  counterResets: number;
}

const P1 = newId();
const P2 = newId();
const P3 = newId();

function counter(printerId: string, printerName: string, at: string, values: number[]): PrinterCounterRecord {
  const [total, mono = null, color = null] = values;
  return {
    id: newId(),
    printerId,
    printerName,
    serial: `SN-${printerName}`,
    mac: null,
    at,
    total,
    mono,
    color,
  };
}

function episode(
  printerId: string,
  printerName: string,
  type: string,
  overrides: Partial<PrinterEventRecord>,
) {
  const record: PrinterEventRecord = {
    id: newId(),
    printerId,
    printerName,
    type,
    subject: '',
    openedAt: '2025-03-01T08:00:00.000Z',
    closedAt: null,
    message: `${type} on ${printerName}`,
    ...overrides,
  };
  return record;
}

forEachDriver('printer records at central', (_driver, getUrl) => {
  let central: Central;
  let http: HttpServer;
  let base: string;
  let branchA: SiteClient;
  let branchB: SiteClient;
  let seqA = 0;
  let seqB = 0;
  const tonerLow = episode(P1, 'mono-1', 'toner-low', {
    subject: '1.1',
    message: 'Black toner at 7%; order one',
  });
  const jam = episode(P2, 'colour-2b', 'paper-jam', { openedAt: '2025-03-01T10:00:00.000Z' });

  const sendA = (kind: string, bodies: Array<{ id: string }>) =>
    branchA.send(bodies.map((body) => outboxRecord(++seqA, kind, body)));
  const count = async (table: string, where = '1 = 1', params: unknown[] = []) => {
    const rows = await central.core.dataSource.query(
      `SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`,
      params,
    );
    return Number((rows as Array<{ n: number | string }>)[0].n);
  };
  const get = async (route: string, token = central.adminToken) => api(base, 'GET', route, token);
  /** The lines of a CSV download, after checking it starts with the UTF-8 byte order mark. */
  const csvLines = async (route: string) => {
    const res = await fetch(`${base}${route}`, {
      headers: { authorization: `Bearer ${central.adminToken}` },
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 3).toString('hex')).to.equal('efbbbf');
    return { res, lines: bytes.subarray(3).toString('utf8').split('\r\n') };
  };

  before(async function () {
    this.timeout(60_000);
    central = await startCentral(await getUrl());
    const reports = new PrinterReportsService(
      new PrinterReportsRepository(central.core.dataSource),
      central.sites,
    );
    const app = createHttpApp({
      logger: createSilentLogger(),
      metrics: central.core.metrics,
      mount: (app) => {
        app.use(printerReportsRouter({ reports, auth: central.core.auth, rights: central.directory.rights }));
      },
    });
    http = new HttpServer();
    base = `http://127.0.0.1:${await http.listen(app, '127.0.0.1', 0)}`;
    branchA = await SiteClient.enrol(central, 'branch-a');
    branchB = await SiteClient.enrol(central, 'branch-b');
    await branchA.open();
    await branchB.open();
  });

  after(async () => {
    branchA?.close();
    branchB?.close();
    await http?.close(1000);
    await central?.stop();
  });

  it('stores counter snapshots once: a replayed batch and a re-sent snapshot leave one row each', async () => {
    const snapshots = [
      counter(P1, 'mono-1', '2025-02-28T23:00:00.000Z', [900, 900]),
      counter(P1, 'mono-1', '2025-03-01T08:00:00.000Z', [1000, 1000]),
    ];
    const batch = snapshots.map((snapshot) => outboxRecord(++seqA, 'printer_counter', snapshot));
    expect(await branchA.send(batch)).to.deep.equal({ appliedSeq: '2', error: '' });
    expect(await branchA.send(batch)).to.deep.equal({ appliedSeq: '2', error: '' });
    // The site sends a snapshot again under a new sequence number (it crashed before marking it sent).
    const again = { ...snapshots[1], total: 1 };
    expect(await sendA('printer_counter', [again])).to.deep.equal({ appliedSeq: '3', error: '' });
    expect(await count('site_printer_counters')).to.equal(2);
    const [row] = await central.core.dataSource.query(
      'SELECT total, mono, color, printer_name FROM site_printer_counters WHERE counter_id = ?',
      [again.id],
    );
    expect({ ...row, total: Number(row.total), mono: Number(row.mono) }).to.deep.equal({
      total: 1000,
      mono: 1000,
      color: null,
      printer_name: 'mono-1',
    });
  });

  it('keeps one row per episode: open then closed is one closed row, whatever the batches', async () => {
    const closed = { ...tonerLow, closedAt: '2025-03-01T12:00:00.000Z' };
    expect((await sendA('printer_event', [tonerLow, jam])).error).to.equal('');
    expect(await count('site_printer_events', 'closed_at IS NULL')).to.equal(2);
    expect((await sendA('printer_event', [closed])).error).to.equal('');
    const inOneBatch = episode(P2, 'colour-2b', 'cover-open', { openedAt: '2025-03-02T09:00:00.000Z' });
    const closedLater = { ...inOneBatch, closedAt: '2025-03-02T09:05:00.000Z' };
    expect((await sendA('printer_event', [inOneBatch, closedLater])).error).to.equal('');

    const rows = await central.core.dataSource.query(
      'SELECT event_id, closed_at, last_seq FROM site_printer_events WHERE site_id = ? ORDER BY opened_at',
      [branchA.siteId],
    );
    expect(
      rows.map((row: { event_id: string; closed_at: unknown }) => [row.event_id, row.closed_at !== null]),
    ).to.deep.equal([
      [tonerLow.id, true],
      [jam.id, false],
      [inOneBatch.id, true],
    ]);
    expect(Number(rows[0].last_seq)).to.equal(6);
    expect(Number(rows[2].last_seq)).to.equal(8);
  });

  it('refuses malformed printer records naming the record and the field, storing nothing of the batch', async () => {
    const good = counter(P1, 'mono-1', '2025-03-01T12:00:00.000Z', [1100, 1100]);
    const next = seqA + 1;
    const must = (field: string, what: string) => `field "${field}" must be ${what}`;
    const cases: Array<[string, object, string]> = [
      ['printer_counter', { ...good, total: '12' }, must('total', 'a whole number or null; got "12"')],
      ['printer_counter', { ...good, at: 'now' }, must('at', 'an ISO 8601 date-time string; got "now"')],
      [
        'printer_event',
        { ...jam, openedAt: undefined },
        must('openedAt', 'an ISO 8601 date-time string; it is missing'),
      ],
      [
        'printer_event',
        { ...jam, printerName: 'x'.repeat(128) },
        must('printerName', `a string of at most 127 characters; got "${'x'.repeat(59)}`),
      ],
      [
        'printer_event',
        { ...jam, subject: null },
        must('subject', 'a string of at most 255 characters; got null'),
      ],
    ];
    for (const [kind, body, problem] of cases) {
      const ack = await branchA.send([
        outboxRecord(next, 'printer_counter', good),
        outboxRecord(next + 1, kind, { ...body, id: newId() }),
      ]);
      expect(ack).to.deep.equal({
        appliedSeq: String(seqA),
        error: `record seq ${next + 1} (${kind}): ${problem}`,
      });
    }
    expect(await count('site_printer_counters', 'counter_id = ?', [good.id])).to.equal(0);
    expect(await sendA('printer_counter', [good])).to.deep.equal({ appliedSeq: String(next), error: '' });
  });

  it('reports pages per printer in a period: first and last snapshot, increases summed over a reset', async () => {
    await sendA('printer_counter', [
      counter(P1, 'mono-1', '2025-03-01T18:00:00.000Z', [1250, 1250]),
      counter(P1, 'mono-1', '2025-03-02T01:00:00.000Z', [1400, 1400]),
      counter(P2, 'colour-2', '2025-03-01T09:00:00.000Z', [5000, 3000, 2000]),
      counter(P2, 'colour-2', '2025-03-01T10:00:00.000Z', [5100, 3060, 2040]),
      counter(P2, 'colour-2', '2025-03-01T11:00:00.000Z', [20, 10, 10]),
      counter(P2, 'colour-2b', '2025-03-01T15:00:00.000Z', [120, 70, 50]),
    ]);
    await branchB.send([
      outboxRecord(++seqB, 'printer_counter', counter(P3, 'lobby', '2025-03-01T10:00:00.000Z', [42])),
    ]);

    const report = await get(
      '/api/v1/reports/printer-counters?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z',
    );
    expect(report.status).to.equal(200);
    expect(report.body).to.include({
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-02T00:00:00.000Z',
      nextOffset: null,
    });
    const summary = (report.body.printers as CounterRow[]).map((p) => ({
      site: p.siteName,
      printer: p.printerName,
      snapshots: p.snapshots,
      first: [p.first.at, p.first.total],
      last: [p.last.at, p.last.total],
      pages: p.pages,
      resets: p.counterResets,
    }));
    expect(summary).to.deep.equal([
      {
        site: 'branch-a',
        printer: 'colour-2b',
        snapshots: 4,
        first: ['2025-03-01T09:00:00.000Z', 5000],
        last: ['2025-03-01T15:00:00.000Z', 120],
        pages: { total: 200, mono: 120, color: 80 },
        resets: 1,
      },
      {
        site: 'branch-a',
        printer: 'mono-1',
        snapshots: 3,
        first: ['2025-03-01T08:00:00.000Z', 1000],
        last: ['2025-03-01T18:00:00.000Z', 1250],
        pages: { total: 250, mono: 250, color: null },
        resets: 0,
      },
      {
        site: 'branch-b',
        printer: 'lobby',
        snapshots: 1,
        first: ['2025-03-01T10:00:00.000Z', 42],
        last: ['2025-03-01T10:00:00.000Z', 42],
        pages: { total: 0, mono: null, color: null },
        resets: 0,
      },
    ]);
    expect(report.body.printers[1]).to.include({
      siteId: branchA.siteId,
      printerId: P1,
      serial: 'SN-mono-1',
      mac: null,
    });
    expect(report.body.printers[0].last).to.deep.equal({
      at: '2025-03-01T15:00:00.000Z',
      total: 120,
      mono: 70,
      color: 50,
    });

    const whole = await get('/api/v1/reports/printer-counters?site=branch-a');
    expect(whole.body.printers.map((p: { pages: { total: number } }) => p.pages.total)).to.deep.equal([
      200, 500,
    ]);
    const paged = await get('/api/v1/reports/printer-counters?limit=2&offset=1');
    expect(paged.body).to.include({ limit: 2, offset: 1, nextOffset: null });
    expect(paged.body.printers.map((p: { printerName: string }) => p.printerName)).to.deep.equal([
      'mono-1',
      'lobby',
    ]);
    expect((await get('/api/v1/reports/printer-counters?limit=1')).body.nextOffset).to.equal(1);
  });

  it('exports the counter report as CSV and refuses bad parameters with the parameter named', async () => {
    const { res, lines } = await csvLines(
      '/api/v1/reports/printer-counters?format=csv&site=branch-b&to=2025-03-02T00:00:00Z',
    );
    expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="printer-counters.csv"');
    expect(lines[0]).to.equal(
      'site;printer;serialNumber;MAC;snapshots;firstAt;firstTotal;firstMono;firstColor;lastAt;lastTotal;' +
        'lastMono;lastColor;totalPages;monoPages;colorPages;counterResets;siteId;printerId',
    );
    expect(lines.slice(1)).to.deep.equal([
      'branch-b;lobby;SN-lobby;;1;2025-03-01T10:00:00.000Z;42;;;2025-03-01T10:00:00.000Z;42;;;0;;;0;' +
        `${branchB.siteId};${P3}`,
      '',
    ]);
    const bad = async (query: string) => (await get(`/api/v1/reports/printer-counters?${query}`)).body.error;
    expect(await bad('from=2025-03-02&to=2025-03-01')).to.include({
      code: 'VALIDATION_FAILED',
      message: 'Query parameter to must be later than from',
    });
    expect((await bad('from=soon')).message).to.contain('Query parameter from must be an ISO 8601 date');
    expect((await bad('format=xml')).message).to.equal('Query parameter format must be json or csv');
    expect((await bad('limit=501')).message).to.equal(
      'Query parameter limit must be a whole number from 1 to 500',
    );
    expect((await get('/api/v1/reports/printer-counters?site=nowhere')).status).to.equal(404);
  });

  it('lists the event history across sites with the period, printer, type and open filters', async () => {
    await branchB.send([
      outboxRecord(
        ++seqB,
        'printer_event',
        episode(P3, 'lobby', 'offline', {
          openedAt: '2025-02-27T10:00:00.000Z',
          closedAt: '2025-02-28T10:00:00.000Z',
        }),
      ),
    ]);
    const list = async (query: string) =>
      (await get(`/api/v1/printer-events${query}`)).body.events.map((e: { type: string }) => e.type);
    expect(await list('')).to.deep.equal(['cover-open', 'paper-jam', 'toner-low', 'offline']);
    const day = 'from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z';
    expect(await list(`?${day}`)).to.deep.equal(['paper-jam', 'toner-low']);
    expect(await list(`?${day}&open=true`)).to.deep.equal(['paper-jam']);
    expect(await list('?open=false')).to.deep.equal(['cover-open', 'toner-low', 'offline']);
    expect(await list('?from=2025-03-01T12:00:01Z&open=false')).to.deep.equal(['cover-open']);
    expect(await list('?printer=mono-1')).to.deep.equal(['toner-low']);
    expect(await list(`?printer=${P2}&type=paper-jam,offline`)).to.deep.equal(['paper-jam']);
    expect(await list('?site=branch-b')).to.deep.equal(['offline']);

    const page = await get('/api/v1/printer-events?limit=1&offset=1');
    expect(page.body).to.include({ limit: 1, offset: 1, nextOffset: 2 });
    expect(page.body.events[0]).to.deep.equal({
      siteId: branchA.siteId,
      siteName: 'branch-a',
      id: jam.id,
      printerId: P2,
      printerName: 'colour-2b',
      type: 'paper-jam',
      subject: '',
      openedAt: '2025-03-01T10:00:00.000Z',
      closedAt: null,
      message: 'paper-jam on colour-2b',
      open: true,
    });
    expect((await get('/api/v1/printer-events?type=toner low')).body.error.message).to.contain(
      'Query parameter type has "toner low"',
    );
    expect((await get('/api/v1/printer-events?open=maybe')).status).to.equal(400);
  });

  it('exports the event history as CSV, quoting separators and defusing formulas', async () => {
    const service = episode(P1, 'mono-1', 'service-requested', {
      openedAt: '2025-01-01T00:00:00.000Z',
      message: '=HYPERLINK("x")',
    });
    await sendA('printer_event', [service]);
    const { lines } = await csvLines('/api/v1/printer-events?format=csv&printer=mono-1');
    expect(lines[0]).to.equal(
      'site;printer;type;subject;message;openedAt;closedAt;open;siteId;printerId;eventId',
    );
    expect(lines.slice(1, 3)).to.deep.equal([
      'branch-a;mono-1;toner-low;1.1;"Black toner at 7%; order one";2025-03-01T08:00:00.000Z;' +
        `2025-03-01T12:00:00.000Z;false;${branchA.siteId};${P1};${tonerLow.id}`,
      `branch-a;mono-1;service-requested;;"'=HYPERLINK(""x"")";2025-01-01T00:00:00.000Z;;true;` +
        `${branchA.siteId};${P1};${service.id}`,
    ]);
    expect(lines).to.have.length(4);
  });

  it('lets only holders of manage-reports read the reports', async () => {
    await new UserRepository(central.core.dataSource).create(
      {
        username: 'clerk',
        displayName: 'Clerk',
        passwordHash: await hashPassword('clerk-pw-1'),
        isAdmin: false,
      },
      new Date(),
    );
    const login = await api(central.base, 'POST', '/api/v1/auth/login', undefined, {
      username: 'clerk',
      password: 'clerk-pw-1',
    });
    const clerk = login.body.token as string;
    expect((await get('/api/v1/printer-events', clerk)).status).to.equal(403);
    const refused = await get('/api/v1/reports/printer-counters', clerk);
    expect(refused.body.error.message).to.contain('manage-reports');
    expect((await api(base, 'GET', '/api/v1/printer-events')).status).to.equal(401);
    const user = await central.directory.users.create({ username: 'clerk', fullName: 'Clerk' });
    await central.directory.rights.set({
      subjectKind: 'user',
      subjectId: user.id,
      rights: ['manage-reports'],
    });
    expect((await get('/api/v1/printer-events?site=branch-b', clerk)).body.events).to.have.length(1);
  });
});
