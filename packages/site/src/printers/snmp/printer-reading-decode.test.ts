/** Unit tests of decodeReading: table joins, counters, MAC, model and trays on hand-made raw data. */
import { expect } from 'chai';
import { COLUMN_OIDS as C } from './printer-mib';
import { decodeReading, type RawPrinterData } from './printer-reading-decode';
import { type ColumnRows } from './snmp-walk';

function rows(entries: Record<string, number | string | Buffer>): ColumnRows {
  return new Map(
    Object.entries(entries).map(([index, value]) => [
      index,
      typeof value === 'string' ? Buffer.from(value) : value,
    ]),
  );
}

function colourDevice(): RawPrinterData {
  return {
    sysDescr: Buffer.from('Kyocera TASKalfa'),
    sysName: Buffer.from('kyo-1'),
    sysLocation: Buffer.from('Floor 2'),
    sysContact: Buffer.from('it@example.org'),
    deviceDescr: Buffer.from('TASKalfa 3253ci'),
    deviceStatus: 2,
    printerStatus: 3,
    errorState: Buffer.from([0x20, 0x00]),
    serial: Buffer.from('W1234567'),
    vendorCounters: { mono: 700, color: 300 },
    columns: new Map([
      [C.ifPhysAddress, rows({ '1': Buffer.alloc(0), '2': Buffer.from([0, 0x17, 0xc8, 1, 2, 3]) })],
      [C.prtMarkerLifeCount, rows({ '1.1': 1000 })],
      [C.prtMarkerColorantValue, rows({ '1.1': 'cyan', '1.2': 'magenta', '1.3': 'yellow', '1.4': 'black' })],
      [C.prtMarkerSuppliesDescription, rows({ '1.1': 'Cyan Toner', '1.2': 'Black Toner', '1.10': 'Waste' })],
      [C.prtMarkerSuppliesColorantIndex, rows({ '1.1': 1, '1.2': 4, '1.10': 0 })],
      [C.prtMarkerSuppliesType, rows({ '1.1': 3, '1.2': 3, '1.10': 4 })],
      [C.prtMarkerSuppliesMaxCapacity, rows({ '1.1': 12000, '1.2': 20000, '1.10': -2 })],
      [C.prtMarkerSuppliesLevel, rows({ '1.1': 600, '1.2': 20000, '1.10': -3 })],
      [C.prtInputName, rows({ '1.1': 'MP tray', '1.2': '' })],
      [C.prtInputMediaName, rows({ '1.1': 'A4', '1.2': '' })],
      [C.prtInputDimUnit, rows({ '1.1': 4, '1.2': 3 })],
      [C.prtInputMediaDimFeedDirDeclared, rows({ '1.1': 297000, '1.2': 110000 })],
      [C.prtInputMediaDimXFeedDirDeclared, rows({ '1.1': 210000, '1.2': 85000 })],
      [C.prtInputMaxCapacity, rows({ '1.1': 100, '1.2': 500 })],
      [C.prtInputCurrentLevel, rows({ '1.1': -3, '1.2': 250 })],
      [C.prtAlertSeverityLevel, rows({ '1.5': 4 })],
      [C.prtAlertTrainingLevel, rows({ '1.5': 4 })],
      [C.prtAlertGroup, rows({ '1.5': 11 })],
      [C.prtAlertGroupIndex, rows({ '1.5': 1 })],
      [C.prtAlertLocation, rows({ '1.5': 0 })],
      [C.prtAlertCode, rows({ '1.5': 1104 })],
      [C.prtAlertDescription, rows({ '1.5': 'Cyan toner low' })],
    ]),
  };
}

describe('decodeReading', () => {
  it('decodes a colour device: identity, status bits, counters and colour', () => {
    const reading = decodeReading(colourDevice());
    expect(reading).to.deep.include({
      sysDescr: 'Kyocera TASKalfa',
      sysName: 'kyo-1',
      sysLocation: 'Floor 2',
      sysContact: 'it@example.org',
      model: 'TASKalfa 3253ci',
      mac: '00:17:c8:01:02:03',
      serial: 'W1234567',
      deviceStatus: 2,
      printerStatus: 3,
      errorState: ['lowToner'],
      colorCapable: true,
    });
    expect(reading.counters).to.deep.equal({ total: 1000, mono: 700, color: 300 });
  });

  it('joins supplies to their colorants, in numeric row order, with percentages', () => {
    const { supplies } = decodeReading(colourDevice());
    expect(supplies.map((s) => [s.index, s.description, s.type, s.colorant, s.levelPercent])).to.deep.equal([
      ['1.1', 'Cyan Toner', 'toner', 'cyan', 5],
      ['1.2', 'Black Toner', 'toner', 'black', 100],
      ['1.10', 'Waste', 'wasteToner', null, null],
    ]);
    expect(supplies[2]).to.include({ level: -3, max: -2 });
  });

  it('names trays, falling back to the declared size and a positional name', () => {
    const { trays } = decodeReading(colourDevice());
    expect(trays).to.deep.equal([
      { index: '1.1', name: 'MP tray', media: 'A4', level: -3, max: 100, levelPercent: null },
      { index: '1.2', name: 'Tray 2', media: 'na_letter_8.5x11in', level: 250, max: 500, levelPercent: 50 },
    ]);
  });

  it('decodes alerts with names', () => {
    expect(decodeReading(colourDevice()).alerts).to.deep.equal([
      {
        index: '1.5',
        severity: 'warning',
        trainingLevel: 4,
        group: 11,
        groupIndex: 1,
        location: 0,
        code: 1104,
        codeName: 'markerTonerAlmostEmpty',
        description: 'Cyan toner low',
      },
    ]);
  });

  it('counts every page of a mono device as mono when it has no vendor split', () => {
    const raw = colourDevice();
    raw.vendorCounters = { mono: null, color: null };
    raw.columns.set(C.prtMarkerColorantValue, rows({ '1.1': 'black' }));
    const reading = decodeReading(raw);
    expect(reading.colorCapable).to.equal(false);
    expect(reading.counters).to.deep.equal({ total: 1000, mono: 1000, color: 0 });
  });

  it('gives no split for a colour device without vendor counters, and takes the first marker as total', () => {
    const raw = colourDevice();
    raw.vendorCounters = { mono: null, color: null };
    raw.columns.set(C.prtMarkerLifeCount, rows({ '1.2': 5, '1.1': 1000 }));
    expect(decodeReading(raw).counters).to.deep.equal({ total: 1000, mono: null, color: null });
  });

  it('falls back to sysDescr for the model, and gives nulls for what a bare agent lacks', () => {
    const reading = decodeReading({
      sysDescr: Buffer.from('Linux box'),
      sysName: undefined,
      sysLocation: undefined,
      sysContact: undefined,
      deviceDescr: undefined,
      deviceStatus: undefined,
      printerStatus: undefined,
      errorState: undefined,
      serial: Buffer.from(''),
      vendorCounters: { mono: null, color: null },
      columns: new Map(),
    });
    expect(reading).to.deep.include({
      model: 'Linux box',
      sysName: '',
      serial: null,
      mac: null,
      deviceStatus: null,
      printerStatus: null,
      errorState: [],
      colorCapable: false,
      supplies: [],
      trays: [],
      alerts: [],
    });
    expect(reading.counters).to.deep.equal({ total: null, mono: null, color: null });
  });
});
