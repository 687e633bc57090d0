/** Unit tests of the printer CSV export: MyQ's columns, counters and toner from an observation, cells. */
import { expect } from 'chai';
import {
  type PrinterObservation,
  type PrinterReading,
  type SupplyReading,
} from '../monitoring/printer-reading';
import { type PrinterEntity } from '../printer.entity';
import { printerCsv, printerCsvCells } from './printer-csv-export';

function printer(overrides: Partial<PrinterEntity> = {}): PrinterEntity {
  return {
    id: '0190a1b2-c3d4-7e5f-8a9b-000000000001',
    name: 'hall-a',
    nameKey: 'hall-a',
    uri: 'ipp://PRN1.example:631/ipp/print',
    location: 'Hall A',
    group: null,
    enabled: true,
    pageCounter: 0,
    counterOffset: 0,
    configProfileId: null,
    snmpEnabled: true,
    snmpHost: null,
    model: 'HP LaserJet M507',
    serial: 'PHBQB12345',
    mac: '00:1b:a9:12:34:56',
    colorCapable: false,
    assetNumber: 'A-17',
    contact: 'Jo',
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

function supply(colorant: string | null, levelPercent: number | null, type = 'toner'): SupplyReading {
  return {
    index: '1.1',
    description: `${colorant} ${type}`,
    type,
    colorant,
    level: 0,
    max: 100,
    levelPercent,
  };
}

function observed(reading: Partial<PrinterReading>): PrinterObservation {
  const full: PrinterReading = {
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
    counters: { total: null, mono: null, color: null },
    supplies: [],
    trays: [],
    alerts: [],
    colorCapable: false,
    ...reading,
  };
  const at = new Date(0);
  return { printerId: 'p', at, reading: full, status: 'idle', reasons: [], error: null };
}

describe('printer CSV export', () => {
  it("writes MyQ's header and one row per printer, with the URI's host and empty columns Quire lacks", () => {
    const csv = printerCsv([printer()], new Map());
    expect(csv.split('\r\n')).to.deep.equal([
      '\uFEFFprinter;location;IPAddress;scannerIP;terminalID;slaveTerminalID;enforcedModel;assetNumber;contact;' +
        'purchaseDate;Model;Serial number;MAC;B&W print;Color print;B&W copies;Color copies;Scans;Fax;C;M;Y;K',
      'hall-a;Hall A;prn1.example;;;;;A-17;Jo;;HP LaserJet M507;PHBQB12345;00:1b:a9:12:34:56;;;;;;;;;;',
      '',
    ]);
  });

  it("counts a mono device's only counter as B&W prints, and leaves a colour device's total unsplit", () => {
    const mono = observed({ counters: { total: 1200, mono: null, color: null }, colorCapable: false });
    expect(printerCsvCells(printer(), mono)).to.include({ 'B&W print': 1200, 'Color print': null });
    const colour = observed({ counters: { total: 900, mono: null, color: null }, colorCapable: true });
    expect(printerCsvCells(printer(), colour)).to.include({ 'B&W print': null, 'Color print': null });
    const split = observed({ counters: { total: 900, mono: 600, color: 300 }, colorCapable: true });
    expect(printerCsvCells(printer(), split)).to.include({ 'B&W print': 600, 'Color print': 300 });
  });

  it('fills C, M, Y and K from toner and ink levels, ignoring drums and waste bins', () => {
    const reading = observed({
      colorCapable: true,
      supplies: [
        supply('black', 80, 'opc'),
        supply('Black', 7),
        supply('cyan', 55, 'ink'),
        supply('magenta', null),
        supply('yellow', 3, 'wasteToner'),
        supply('yellow', 40),
        supply('yellow', 30),
      ],
    });
    expect(printerCsvCells(printer(), reading)).to.include({ C: 55, M: null, Y: 30, K: 7 });
  });

  it('quotes separators and defuses formulas in text cells, and leaves a printer without a reading empty', () => {
    const offline: PrinterObservation = { ...observed({}), reading: null, status: 'offline' };
    const csv = printerCsv(
      [printer({ location: 'Hall; east', contact: '=cmd|"/c calc"!A1', uri: 'socket://[fe80::1]:9100' })],
      new Map([[printer().id, offline]]),
    );
    expect(csv.split('\r\n')[1]).to.equal(
      `hall-a;"Hall; east";fe80::1;;;;;A-17;"'=cmd|""/c calc""!A1";;HP LaserJet M507;PHBQB12345;` +
        '00:1b:a9:12:34:56;;;;;;;;;;',
    );
  });
});
