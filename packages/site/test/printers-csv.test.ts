/**
 * Integration tests of the printer CSV over real HTTP on 127.0.0.1, on SQLite and on MariaDB: the site's server
 * core as production opens it, with the CSV router mounted before the printers router and a fake status source
 * standing in for the monitor. Covers a MyQ file with every column, the export with counters and toner, the
 * export imported back unchanged, matching by MAC, serial and name, bad rows refused with exact errors and
 * nothing written, skipInvalid, unreadable files, and the guards.
 */
import { expect } from 'chai';
import { AuditLogEntity, type ServerCore } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { PrinterEntity, PrinterRepository, PrinterService, printersRouter } from '../src/printers';
import { printerCsvRouter } from '../src/printers/csv';
import { type PrinterObservation, type PrinterReading } from '../src/printers/monitoring/printer-reading';
import { startSiteApiServer, type SiteApiServer } from './site-api-server';

const ADMIN_PASSWORD = 'printers-csv-admin-password';

/** Every column of MyQ's printer CSV (myq-2 §1.19): the 23 Quire exports, then MyQ's paper counters. */
const MYQ_HEADER = [
  ...'printer;location;IPAddress;scannerIP;terminalID;slaveTerminalID;enforcedModel;assetNumber;contact'.split(
    ';',
  ),
  ...'purchaseDate;Model;Serial number;MAC;B&W print;Color print;B&W copies;Color copies;Scans;Fax'.split(
    ';',
  ),
  ...'C;M;Y;K;Paper A4;Paper A3;Paper A5;Paper B4;Paper B5;Other paper;Paper folio;Paper ledger'.split(';'),
  ...'Paper legal;Paper letter;Paper statement;Rest of paper'.split(';'),
];
const APPLIED = ['printer', 'location', 'IPAddress', 'assetNumber', 'contact', 'Serial number', 'MAC'];

/** A file as MyQ writes one: every column, CRLF, a BOM, an accented location, MACs spelt as MyQ does. */
const MYQ_FILE =
  '\uFEFF' +
  [
    MYQ_HEADER.join(';'),
    'hall-a;Hall A, 1st floor;10.20.0.11;10.20.0.12;T-1;;;INV-0042;Jo Bloggs;2021-05-01;HP LaserJet M507;' +
      'PHBQB12345;00-1B-A9-12-34-56;120345;0;0;0;17;0;;;;80;1200;30;0;0;0;0;0;0;0;0;0;0',
    'reception;Réception;10.20.0.13;;;;;;;;Kyocera TASKalfa 3253ci;W2Z1234567;001ba9123457' + ';'.repeat(22),
  ].join('\r\n') +
  '\r\n';

function reading(counters: PrinterReading['counters'], colorCapable: boolean, black: number): PrinterReading {
  const toner = (colorant: string, levelPercent: number) => ({
    index: '1.1',
    description: `${colorant} toner`,
    type: 'toner',
    colorant,
    level: levelPercent,
    max: 100,
    levelPercent,
  });
  return {
    sysDescr: '',
    sysName: '',
    sysLocation: '',
    sysContact: '',
    model: '',
    mac: null,
    serial: null,
    deviceStatus: 2,
    printerStatus: 3,
    errorState: [],
    counters,
    trays: [],
    alerts: [],
    colorCapable,
    supplies: colorCapable
      ? [toner('cyan', 55), toner('magenta', 60), toner('yellow', 65), toner('black', black)]
      : [toner('black', black)],
  };
}

forEachDriver('site printer CSV', (_driver, getUrl) => {
  let server: SiteApiServer;
  let core: ServerCore;
  let base: string;
  let adminToken: string;
  let clerkToken: string;
  let printers: PrinterService;
  const observations = new Map<string, PrinterObservation>();
  const statusSource = {
    current: async (ids: string[]) =>
      new Map(ids.filter((id) => observations.has(id)).map((id) => [id, observations.get(id)!])),
  };

  async function post(file: string | Buffer, query = '', type = 'text/csv', token = adminToken) {
    const res = await fetch(`${base}/api/v1/printers/import${query}`, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
      body: file,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary JSON answers
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  async function exported(): Promise<{ res: Response; text: string }> {
    const res = await fetch(`${base}/api/v1/printers/export.csv`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 3).toString('hex')).to.equal('efbbbf');
    return { res, text: bytes.toString('utf8') };
  }

  const stored = async () =>
    (await core.dataSource.getRepository(PrinterEntity).find({ order: { nameKey: 'ASC' } })).map(
      ({ createdAt: _c, updatedAt, ...fields }) => ({ ...fields, updatedAt: updatedAt.toISOString() }),
    );
  const audits = () =>
    core.dataSource
      .getRepository(AuditLogEntity)
      .find({ where: { action: 'printer.import' }, order: { at: 'ASC' } });

  before(async () => {
    server = await startSiteApiServer({
      dbUrl: await getUrl(),
      name: 'printers-csv',
      adminPassword: ADMIN_PASSWORD,
      clerkPassword: 'clerk-pw-1',
      compose: (serverCore, logger) => {
        printers = new PrinterService({ printers: new PrinterRepository(serverCore.dataSource), logger });
        const { auth, dataSource } = serverCore;
        return (express) => {
          express.use(printerCsvRouter({ printers, statusSource, auth, dataSource }));
          express.use(printersRouter({ printers, auth, dataSource }));
        };
      },
    });
    ({ core, base, adminToken, clerkToken } = server);
  });

  after(async () => {
    await server?.close();
  });

  it('imports a MyQ file with every column: new printers inactive on socket://IP:9100, ignored columns listed', async () => {
    const { status, body } = await post(MYQ_FILE);
    expect(status).to.equal(200);
    expect(body).to.deep.include({ created: 2, updated: 0, unchanged: 0, errors: [] });
    expect(body.ignoredColumns).to.deep.equal(MYQ_HEADER.filter((name) => !APPLIED.includes(name)));
    expect(
      body.printers.map((p: { row: number; name: string; outcome: string }) => [p.row, p.name, p.outcome]),
    ).to.deep.equal([
      [2, 'hall-a', 'created'],
      [3, 'reception', 'created'],
    ]);
    const [hall, reception] = await stored();
    expect(hall).to.include({
      name: 'hall-a',
      uri: 'socket://10.20.0.11:9100',
      enabled: false,
      location: 'Hall A, 1st floor',
      assetNumber: 'INV-0042',
      contact: 'Jo Bloggs',
      serial: 'PHBQB12345',
      mac: '00:1b:a9:12:34:56',
      model: '',
    });
    expect(reception).to.include({
      location: 'Réception',
      mac: '00:1b:a9:12:34:57',
      assetNumber: '',
      contact: '',
    });
    const [audit] = await audits();
    expect(audit.outcome).to.equal('ok');
    expect(JSON.parse(audit.details)).to.deep.include({
      created: 2,
      updated: 0,
      unchanged: 0,
      skippedRows: 0,
      skipInvalid: false,
    });
  });

  it('exports every printer with the counters and toner levels of its latest observation', async () => {
    const ipp = await printers.create({
      name: 'annex-colour',
      uri: 'ipp://Old-Host.example:631/ipp/print',
      model: 'HP Color LaserJet M555',
      location: '=SUM(A1)',
    });
    const [, hall, reception] = await printers.list();
    const observe = (id: string, read: PrinterReading | null): PrinterObservation => ({
      printerId: id,
      at: new Date(),
      reading: read,
      status: read ? 'idle' : 'offline',
      reasons: [],
      error: null,
    });
    observations.set(hall.id, observe(hall.id, reading({ total: 1500, mono: null, color: null }, false, 7)));
    observations.set(ipp.id, observe(ipp.id, reading({ total: 900, mono: 600, color: 300 }, true, 40)));
    observations.set(reception.id, observe(reception.id, null));

    const { res, text } = await exported();
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="printers.csv"');
    expect(text.split('\r\n')).to.deep.equal([
      '\uFEFF' + MYQ_HEADER.slice(0, 23).join(';'),
      "annex-colour;'=SUM(A1);old-host.example;;;;;;;;HP Color LaserJet M555;;;600;300;;;;;55;60;65;40",
      'hall-a;Hall A, 1st floor;10.20.0.11;;;;;INV-0042;Jo Bloggs;;;PHBQB12345;00:1b:a9:12:34:56;' +
        '1500;;;;;;;;;7',
      'reception;Réception;10.20.0.13;;;;;;;;;W2Z1234567;00:1b:a9:12:34:57;;;;;;;;;;',
      '',
    ]);
  });

  it('imports its own export back unchanged', async () => {
    const before = await stored();
    const { status, body } = await post((await exported()).text);
    expect(status).to.equal(200);
    expect(body).to.deep.include({ created: 0, updated: 0, unchanged: 3, errors: [] });
    expect(await stored()).to.deep.equal(before);
  });

  it("matches by MAC, then serial, then name; a new address keeps the URI's protocol, port and path", async () => {
    const file = [
      'printer;IPAddress;MAC;Serial number;location',
      'hall-a-moved;10.20.0.99;00:1b:a9:12:34:56;;',
      'front-desk;10.20.0.13;;W2Z1234567;Front desk',
      'ANNEX-COLOUR;new-host.example;;;Annex',
    ].join('\n');
    const { body } = await post(file);
    expect(body).to.deep.include({ created: 0, updated: 3, unchanged: 0, ignoredColumns: [] });
    const byName = new Map((await stored()).map((printer) => [printer.name, printer]));
    expect(byName.get('hall-a-moved')).to.include({
      uri: 'socket://10.20.0.99:9100',
      location: 'Hall A, 1st floor',
    });
    expect(byName.get('front-desk')).to.include({
      uri: 'socket://10.20.0.13:9100',
      location: 'Front desk',
      mac: '00:1b:a9:12:34:57',
    });
    expect(byName.get('ANNEX-COLOUR')).to.include({
      uri: 'ipp://new-host.example:631/ipp/print',
      location: 'Annex',
    });
  });

  it('refuses bad rows with their row, column, value and what is expected, and writes nothing', async () => {
    const before = await stored();
    const file = [
      'printer;IPAddress;MAC;location',
      'lobby;;;',
      'copier;10.0.0.3;zz:zz;',
      'annex;10.0.0.4;;',
      'Annex;10.0.0.5;;',
      'front-desk;10.0.0.6;00:1b:a9:12:34:56;',
      'spare;10.0.0.7;;' + 'x'.repeat(256),
    ].join('\n');
    const { status, body } = await post(file);
    expect(status).to.equal(400);
    expect(body.error.code).to.equal('PRINTER_CSV_INVALID');
    expect(body.error.message).to.equal(
      'The printer CSV has 5 invalid row(s); nothing was imported. Row 2, column 2 (IPAddress) is empty; ' +
        'it must be an IPv4 or IPv6 address or a host name, without scheme or port ' +
        '(4 more problem(s) in details.errors)',
    );
    expect(body.error.details.errorCount).to.equal(5);
    const listed = body.error.details.errors as Array<Record<string, unknown>>;
    expect(listed.map((e) => [e.row, e.column, e.columnName, e.value, e.expected])).to.deep.equal([
      [2, 2, 'IPAddress', '', 'an IPv4 or IPv6 address or a host name, without scheme or port'],
      [3, 3, 'MAC', 'zz:zz', 'a MAC address of 6 bytes, such as 00:1b:a9:12:34:56'],
      [5, 1, 'printer', 'Annex', 'unique in the file; row 4 has it too'],
      [
        6,
        1,
        'printer',
        'front-desk',
        'a name no other printer has; printer "front-desk" has it and is another device',
      ],
      [7, 4, 'location', 'x'.repeat(256), 'at most 255 characters'],
    ]);
    expect(body.error.details.errors[2].message).to.equal(
      'Row 5, column 1 (printer): "Annex" must be unique in the file; row 4 has it too',
    );
    expect(await stored()).to.deep.equal(before);
    const last = (await audits()).at(-1)!;
    expect(last.outcome).to.equal('failed');
    expect(JSON.parse(last.details)).to.include({ errorCode: 'PRINTER_CSV_INVALID' });
  });

  it('refuses two rows for one printer, and a serial number several printers share', async () => {
    await printers.create({ name: 'twin-1', uri: 'socket://10.9.0.1', serial: 'TWIN' });
    await printers.create({ name: 'twin-2', uri: 'socket://10.9.0.2', serial: 'TWIN' });
    const file = [
      'printer;IPAddress;MAC;Serial number',
      'hall-a-moved;10.20.0.99;00:1b:a9:12:34:56;',
      'hall-a-moved;10.20.0.98;;',
      'twin;10.9.0.3;;TWIN',
    ].join('\n');
    const { body } = await post(file);
    expect((body.error.details.errors as Array<{ message: string }>).map((e) => e.message)).to.deep.equal([
      'Row 3 must be about another printer than row 2: both rows are printer "hall-a-moved"',
      'Row 3, column 1 (printer): "hall-a-moved" must be unique in the file; row 2 has it too',
      'Row 4, column 4 (Serial number): "TWIN" must be a serial number of one printer only: "twin-1" and ' +
        '"twin-2" have it; fill the MAC column to tell them apart',
    ]);
  });

  it('with skipInvalid imports the good rows and reports the bad ones', async () => {
    const file = [
      'printer;IPAddress;MAC',
      'lobby;;',
      'annex;10.0.0.4;',
      'Annex;10.0.0.5;',
      'copier;10.0.0.3;zz',
    ].join('\r\n');
    const { status, body } = await post(file, '?skipInvalid=true');
    expect(status).to.equal(200);
    expect(body).to.deep.include({ created: 1, updated: 0, unchanged: 0 });
    expect(
      body.errors.map((e: { row: number; columnName: string }) => `${e.row} ${e.columnName}`),
    ).to.deep.equal(['2 IPAddress', '4 printer', '5 MAC']);
    expect((await stored()).find((printer) => printer.name === 'annex')).to.include({
      uri: 'socket://10.0.0.4:9100',
      enabled: false,
    });
    expect(JSON.parse((await audits()).at(-1)!.details)).to.include({
      created: 1,
      skippedRows: 3,
      skipInvalid: true,
    });
  });

  it('refuses unreadable files: another separator, no printer;IPAddress header, not text/csv, too big', async () => {
    const comma = await post('printer,IPAddress\nx,10.0.0.1\n');
    expect(comma.status).to.equal(400);
    expect(comma.body.error.message).to.equal(
      'The printer CSV cannot be read: it is separated by commas (,), but a printer CSV is separated by ' +
        'semicolons (;), as MyQ requires: its header starts printer;IPAddress. ' +
        'Save it again with ";" as the separator',
    );
    const header = await post('name;IPAddress;MAC\nx;10.0.0.1;\n');
    expect(header.body.error).to.deep.include({
      code: 'PRINTER_CSV_INVALID',
      message:
        'The printer CSV cannot be read: row 1 must be the header, starting printer;IPAddress; ' +
        'it has no printer column',
    });
    const json = await post(JSON.stringify({ printer: 'x' }), '', 'application/json');
    expect(json.status).to.equal(415);
    expect(json.body.error.message).to.equal(
      'Send the printer CSV as the request body with Content-Type: text/csv (the request has application/json)',
    );
    const latin1 = await post(Buffer.from('printer;IPAddress\nB\xfcro;10.0.0.1\n', 'latin1'));
    expect(latin1.body.error.message).to.contain('it is not UTF-8 text');
    const huge = await post(`printer;IPAddress\n${'x;10.0.0.1\n'.repeat(600_000)}`);
    expect(huge.status).to.equal(413);
    expect(huge.body.error.message).to.equal(
      'The printer CSV is larger than the 5MB limit; import it in parts',
    );
    expect((await post('printer;IPAddress\n', '?skipInvalid=yes')).body.error.message).to.equal(
      'Query parameter skipInvalid must be true or false',
    );
  });

  it('is for admins only', async () => {
    expect((await post(MYQ_FILE, '', 'text/csv', clerkToken)).status).to.equal(403);
    const res = await fetch(`${base}/api/v1/printers/export.csv`, {
      headers: { authorization: `Bearer ${clerkToken}` },
    });
    expect(res.status).to.equal(403);
    expect((await fetch(`${base}/api/v1/printers/export.csv`)).status).to.equal(401);
  });
});
