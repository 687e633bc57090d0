/** Unit tests of deriveStatus: every row of its rule table, on hand-made readings. */
import { expect } from 'chai';
import { type AlertReading, type PrinterReading, type SupplyReading } from '../monitoring/printer-reading';
import { alertReason, deriveStatus, supplyReason } from './printer-status';

function reading(changes: Partial<PrinterReading> = {}): PrinterReading {
  return {
    sysDescr: 'HP ETHERNET MULTI-ENVIRONMENT',
    sysName: 'prn-1',
    sysLocation: '',
    sysContact: '',
    model: 'HP LaserJet M507',
    mac: '00:1b:a9:00:00:01',
    serial: 'PHB1234567',
    deviceStatus: 2,
    printerStatus: 3,
    errorState: [],
    counters: { total: 1000, mono: 1000, color: 0 },
    supplies: [],
    trays: [],
    alerts: [],
    colorCapable: false,
    ...changes,
  };
}

function supply(type: string, levelPercent: number | null, colorant: string | null = 'black'): SupplyReading {
  return {
    index: '1.1',
    description: `${type} ${colorant ?? ''}`.trim(),
    type,
    colorant,
    level: levelPercent ?? -3,
    max: levelPercent === null ? -2 : 100,
    levelPercent,
  };
}

function alert(code: number, group: number, severity = 'critical'): AlertReading {
  return {
    index: '1.1',
    severity,
    trainingLevel: 4,
    group,
    groupIndex: 1,
    location: 0,
    code,
    codeName: '',
    description: '',
  };
}

describe('deriveStatus', () => {
  it('is idle for a running, idle printer with nothing to report', () => {
    expect(deriveStatus(reading())).to.deep.equal({ status: 'idle', reasons: [] });
  });

  it('is printing when hrPrinterStatus is printing(4)', () => {
    expect(deriveStatus(reading({ printerStatus: 4 }))).to.deep.equal({ status: 'printing', reasons: [] });
  });

  it('maps every error-state bit to its reason and level', () => {
    const cases: Array<[string, string, string]> = [
      ['jammed', 'error', 'jam'],
      ['noPaper', 'error', 'out-of-paper'],
      ['noToner', 'error', 'toner-empty'],
      ['doorOpen', 'error', 'cover-open'],
      ['serviceRequested', 'error', 'service-requested'],
      ['offline', 'error', 'offline'],
      ['markerSupplyMissing', 'error', 'marker-supply-missing'],
      ['outputFull', 'error', 'output-full'],
      ['lowToner', 'warning', 'toner-low'],
      ['lowPaper', 'warning', 'low-paper'],
      ['inputTrayEmpty', 'warning', 'low-paper'],
      ['inputTrayMissing', 'warning', 'input-tray-missing'],
      ['outputTrayMissing', 'warning', 'output-tray-missing'],
      ['outputNearFull', 'warning', 'output-near-full'],
      ['overduePreventMaint', 'warning', 'overdue-maintenance'],
    ];
    for (const [bit, status, reason] of cases) {
      expect(deriveStatus(reading({ errorState: [bit] })), bit).to.deep.equal({ status, reasons: [reason] });
    }
  });

  it('puts error reasons before warning reasons, in a fixed order, without duplicates', () => {
    const derived = deriveStatus(
      reading({ errorState: ['lowPaper', 'doorOpen', 'jammed', 'inputTrayEmpty'], printerStatus: 4 }),
    );
    expect(derived).to.deep.equal({ status: 'error', reasons: ['jam', 'cover-open', 'low-paper'] });
  });

  it('reports toner from supply levels when the device sets no bit', () => {
    const low = deriveStatus(reading({ supplies: [supply('toner', 9, 'cyan'), supply('toner', 80)] }));
    expect(low).to.deep.equal({ status: 'warning', reasons: ['toner-low'] });
    const empty = deriveStatus(reading({ supplies: [supply('tonerCartridge', 0)] }));
    expect(empty).to.deep.equal({ status: 'error', reasons: ['toner-empty'] });
    expect(deriveStatus(reading({ supplies: [supply('toner', 10)] })).status).to.equal('idle');
    expect(
      deriveStatus(reading({ supplies: [supply('toner', 30)] }), { tonerLowPercent: 40 }).reasons,
    ).to.deep.equal(['toner-low']);
  });

  it('keeps toner-low next to toner-empty only when another supply is low', () => {
    expect(deriveStatus(reading({ errorState: ['lowToner', 'noToner'] })).reasons).to.deep.equal([
      'toner-empty',
    ]);
    const mixed = deriveStatus(
      reading({ supplies: [supply('toner', 0, 'cyan'), supply('toner', 5, 'black')] }),
    );
    expect(mixed.reasons).to.deep.equal(['toner-empty', 'toner-low']);
  });

  it('treats spent parts as maintenance and unknown levels as nothing', () => {
    expect(supplyReason(supply('opc', 0, null), 10)).to.equal('overdue-maintenance');
    expect(supplyReason(supply('wasteToner', 0, null), 10)).to.equal('overdue-maintenance');
    expect(supplyReason(supply('fuser', 5, null), 10)).to.equal(null);
    expect(supplyReason(supply('toner', null), 10)).to.equal(null);
    expect(deriveStatus(reading({ supplies: [supply('opc', 0, null)] }))).to.deep.equal({
      status: 'warning',
      reasons: ['overdue-maintenance'],
    });
  });

  it('reads alerts by code, and the generic sub-unit codes by group', () => {
    expect(alertReason(alert(8, 13))).to.equal('jam');
    expect(alertReason(alert(3, 6))).to.equal('cover-open');
    expect(alertReason(alert(501, 5))).to.equal('cover-open');
    expect(alertReason(alert(1101, 11))).to.equal('toner-empty');
    expect(alertReason(alert(1104, 11, 'warning'))).to.equal('toner-low');
    expect(alertReason(alert(1115, 11))).to.equal('marker-supply-missing');
    expect(alertReason(alert(13, 11))).to.equal('toner-empty');
    expect(alertReason(alert(12, 8, 'warning'))).to.equal('low-paper');
    expect(alertReason(alert(9, 8, 'warning'))).to.equal('input-tray-missing');
    expect(alertReason(alert(15, 9))).to.equal('output-full');
    expect(alertReason(alert(903, 9))).to.equal('output-full');
    expect(alertReason(alert(1112, 11))).to.equal('service-requested');
  });

  it('calls an empty tray out of paper only when its alert is critical', () => {
    expect(alertReason(alert(808, 8, 'critical'))).to.equal('out-of-paper');
    expect(alertReason(alert(808, 8, 'warning'))).to.equal('low-paper');
    expect(alertReason(alert(13, 8, 'warning'))).to.equal('low-paper');
  });

  it('turns an unknown critical alert into service-requested and ignores unknown non-critical ones', () => {
    expect(alertReason(alert(40000, 5, 'critical'))).to.equal('service-requested');
    expect(alertReason(alert(507, 5, 'warningBinaryChangeEvent'))).to.equal(null);
    expect(alertReason(alert(1005, 10, 'other'))).to.equal(null);
  });

  it('derives error from alerts when the error state is empty', () => {
    const derived = deriveStatus(reading({ alerts: [alert(8, 13), alert(1104, 11, 'warning')] }));
    expect(derived).to.deep.equal({ status: 'error', reasons: ['jam', 'toner-low'] });
  });

  it('follows hrDeviceStatus: down is an error (service requested when nothing says why), warning a warning', () => {
    expect(deriveStatus(reading({ deviceStatus: 5 }))).to.deep.equal({
      status: 'error',
      reasons: ['service-requested'],
    });
    expect(deriveStatus(reading({ deviceStatus: 5, errorState: ['jammed'] }))).to.deep.equal({
      status: 'error',
      reasons: ['jam'],
    });
    expect(deriveStatus(reading({ deviceStatus: 3, printerStatus: 4 }))).to.deep.equal({
      status: 'warning',
      reasons: [],
    });
  });

  it('lets warnings win over printing', () => {
    expect(deriveStatus(reading({ printerStatus: 4, errorState: ['lowToner'] }))).to.deep.equal({
      status: 'warning',
      reasons: ['toner-low'],
    });
  });
});
