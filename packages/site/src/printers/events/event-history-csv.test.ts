/** Unit tests of the history CSV: RFC 4180 quoting that csv-parse reads back exactly, and formula guarding. */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { csvCell, csvLine } from '@quire/common';
import { HISTORY_CSV_COLUMNS, HISTORY_CSV_SEPARATOR, historyCsvValues } from './event-history-csv';
import { PrinterEventEntity } from './printer-event.entity';

const csvField = (value: string) => csvCell(value, HISTORY_CSV_SEPARATOR);
const csvRecord = (values: readonly string[]) => csvLine(values, HISTORY_CSV_SEPARATOR);

function episode(overrides: Partial<PrinterEventEntity>): PrinterEventEntity {
  return Object.assign(new PrinterEventEntity(), {
    id: 'e1',
    definitionId: 'd1',
    eventName: 'Paper jam',
    printerId: 'p1',
    printerName: 'Floor2',
    type: 'paper-jam',
    subject: '',
    openedAt: new Date('2025-03-01T10:00:00Z'),
    closedAt: null,
    message: 'Paper jam',
    details: {},
    openKey: null,
    milestoneKey: null,
    ...overrides,
  });
}

describe('event history CSV', () => {
  it('quotes only fields that need it and doubles quotes', () => {
    expect(csvField('plain')).to.equal('plain');
    expect(csvField('a,b')).to.equal('"a,b"');
    expect(csvField('say "hi"')).to.equal('"say ""hi"""');
    expect(csvField('two\nlines')).to.equal('"two\nlines"');
    expect(csvRecord(['a', 'b'])).to.equal('a,b\r\n');
  });

  it('defuses texts a spreadsheet would run as formulas', () => {
    expect(csvField('=HYPERLINK("x")')).to.equal('"\'=HYPERLINK(""x"")"');
    expect(csvField('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvField('-5')).to.equal("'-5");
  });

  it('writes MyQ columns that read back exactly, supply names as the subject', () => {
    const rows = [
      episode({ message: 'Jam in tray 2, "rear door"\r\nopen', closedAt: new Date('2025-03-01T10:05:00Z') }),
      episode({
        eventName: 'Toner below 20% K',
        subject: '1.1',
        details: { supply: 'Black Toner' },
        message: 'Black Toner at 7%',
      }),
    ];
    const text =
      csvRecord(HISTORY_CSV_COLUMNS) + rows.map((row) => csvRecord(historyCsvValues(row))).join('');
    const parsed = parse(text) as string[][];
    expect(parsed).to.deep.equal([
      ['Event', 'Printer', 'Subject', 'Message', 'Created', 'Resolved'],
      [
        'Paper jam',
        'Floor2',
        '',
        'Jam in tray 2, "rear door"\r\nopen',
        '2025-03-01T10:00:00.000Z',
        '2025-03-01T10:05:00.000Z',
      ],
      ['Toner below 20% K', 'Floor2', 'Black Toner', 'Black Toner at 7%', '2025-03-01T10:00:00.000Z', ''],
    ]);
  });
});
