/**
 * Unit tests of the event conditions: which subjects are active and which open episodes may close, for toner,
 * printer-wide flags, offline and SNMP alerts, from hand-made observations.
 */
import { expect } from 'chai';
import {
  type AlertReading,
  type PrinterObservation,
  type PrinterReading,
  type SupplyReading,
} from '../monitoring/printer-reading';
import {
  alertMatches,
  evaluateCondition,
  isTonerSupply,
  supplyColour,
  type StateSpec,
} from './event-conditions';
import { checkDefinitionSpec } from './event-definition-input';

function supply(
  index: string,
  colorant: string | null,
  levelPercent: number | null,
  type = 'toner',
): SupplyReading {
  const description = colorant ? `${colorant[0].toUpperCase()}${colorant.slice(1)} Toner` : 'Toner';
  return { index, description, type, colorant, level: levelPercent ?? -3, max: 100, levelPercent };
}

function alert(code: number, overrides: Partial<AlertReading> = {}): AlertReading {
  return {
    index: '1',
    severity: 'critical',
    trainingLevel: 3,
    group: 8,
    groupIndex: 1,
    location: 0,
    code,
    codeName: code === 8 ? 'jam' : 'other',
    description: `Alert ${code}`,
    ...overrides,
  };
}

function observation(reading: Partial<PrinterReading> | null, extra: Partial<PrinterObservation> = {}) {
  const full: PrinterReading | null = reading && {
    sysDescr: 'Colour printer',
    sysName: 'colour',
    sysLocation: '',
    sysContact: '',
    model: 'Kyocera TASKalfa 3253ci',
    mac: null,
    serial: 'S1',
    deviceStatus: 2,
    printerStatus: 3,
    errorState: [],
    counters: { total: 100, mono: 60, color: 40 },
    supplies: [],
    trays: [],
    alerts: [],
    colorCapable: true,
    ...reading,
  };
  const result: PrinterObservation = {
    printerId: 'p1',
    at: new Date('2025-03-01T10:00:00Z'),
    reading: full,
    status: full ? 'idle' : 'offline',
    reasons: full ? [] : ['offline'],
    error: full ? null : 'timeout after 2 retries',
    ...extra,
  };
  return result;
}

function spec(type: string, params: Record<string, unknown> = {}): StateSpec {
  return checkDefinitionSpec(type, params) as StateSpec;
}

describe('event conditions', () => {
  const cmyk = [supply('1.1', 'black', 15), supply('1.2', 'cyan', 50), supply('1.3', 'magenta', 5)];

  it('finds each toner below the threshold by supply index, within the colour scope', () => {
    const any = evaluateCondition(
      spec('toner-low', { thresholdPercent: 20 }),
      '',
      observation({ supplies: cmyk }),
    );
    expect([...any!.active.keys()]).to.deep.equal(['1.1', '1.3']);
    expect(any!.active.get('1.1')!.message).to.equal('Black Toner at 15% (below 20%)');
    expect(any!.active.get('1.1')!.details).to.include({
      supplyIndex: '1.1',
      levelPercent: 15,
      thresholdPercent: 20,
    });

    const black = spec('toner-low', { thresholdPercent: 20, colorant: 'black' });
    expect([...evaluateCondition(black, '', observation({ supplies: cmyk }))!.active.keys()]).to.deep.equal([
      '1.1',
    ]);
    const colour = spec('toner-low', { thresholdPercent: 20, colorant: 'color' });
    expect([...evaluateCondition(colour, '', observation({ supplies: cmyk }))!.active.keys()]).to.deep.equal([
      '1.3',
    ]);
  });

  it('treats a level at the threshold as fine and an unknown level as no news', () => {
    const state = evaluateCondition(
      spec('toner-low', { thresholdPercent: 20 }),
      '',
      observation({ supplies: [supply('1.1', 'black', 20), supply('1.2', 'cyan', null)] }),
    )!;
    expect(state.active.size).to.equal(0);
    expect(state.settles('1.1')).to.equal(true);
    expect(state.settles('1.2')).to.equal(false);
    expect(state.settles('1.9')).to.equal(false);
  });

  it('ignores drums, fusers and waste containers, and reads a colour from the description', () => {
    const drum = supply('1.5', 'black', 3, 'opc');
    const waste = supply('1.6', null, 1, 'wasteToner');
    const described: SupplyReading = {
      ...supply('1.7', null, 4, 'tonerCartridge'),
      description: 'Yellow cartridge',
    };
    expect(isTonerSupply(drum)).to.equal(false);
    expect(isTonerSupply(waste)).to.equal(false);
    expect(supplyColour(described)).to.equal('yellow');
    const state = evaluateCondition(
      spec('toner-low', { thresholdPercent: 10, colorant: 'yellow' }),
      '',
      observation({ supplies: [drum, waste, described] }),
    )!;
    expect([...state.active.keys()]).to.deep.equal(['1.7']);
  });

  it('keeps every episode but offline as it is when the printer does not answer', () => {
    const offline = observation(null);
    expect(evaluateCondition(spec('toner-low'), '', offline)).to.equal(null);
    expect(evaluateCondition(spec('paper-jam'), '', offline)).to.equal(null);
    const state = evaluateCondition(spec('offline'), '', offline)!;
    expect([...state.active.keys()]).to.deep.equal(['']);
    expect(state.active.get('')!.message).to.equal('Not answering: timeout after 2 retries');
    const back = evaluateCondition(spec('offline'), '', observation({}))!;
    expect(back.active.size).to.equal(0);
    expect(back.settles('')).to.equal(true);
  });

  it('reads jams, paper, covers and service calls from reasons or error-state bits', () => {
    const jam = evaluateCondition(
      spec('paper-jam'),
      '',
      observation({ errorState: ['jammed'], alerts: [alert(8, { description: 'Jam in tray 2' })] }),
    )!;
    expect(jam.active.get('')!.message).to.equal('Paper jam: Jam in tray 2');
    const paper = evaluateCondition(
      spec('out-of-paper'),
      '',
      observation({}, { reasons: ['out-of-paper'] }),
    )!;
    expect(paper.active.get('')!.message).to.equal('Out of paper');
    const cover = evaluateCondition(spec('cover-open'), '', observation({ errorState: ['doorOpen'] }))!;
    expect([...cover.active.keys()]).to.deep.equal(['']);
    const service = evaluateCondition(
      spec('service-requested'),
      '',
      observation({ errorState: ['lowPaper'] }),
    )!;
    expect(service.active.size).to.equal(0);
    expect(service.settles('')).to.equal(true);
  });

  it('opens toner-empty per empty toner, or printer-wide when only the status says so', () => {
    const perSupply = evaluateCondition(
      spec('toner-empty'),
      '',
      observation({
        supplies: [supply('1.1', 'black', 0), supply('1.2', 'cyan', 3)],
        errorState: ['noToner'],
      }),
    )!;
    expect([...perSupply.active.keys()]).to.deep.equal(['1.1']);
    const flagged = evaluateCondition(spec('toner-empty'), '', observation({ errorState: ['noToner'] }))!;
    expect([...flagged.active.keys()]).to.deep.equal(['']);
  });

  it('matches SNMP alerts on every filter given, and never opens without a filter', () => {
    const alerts = [alert(8), alert(1101, { severity: 'warning', group: 11, codeName: 'markerTonerEmpty' })];
    const reading = observation({ alerts });
    expect(evaluateCondition(spec('snmp-alert'), '', reading)!.active.size).to.equal(0);
    const range = evaluateCondition(spec('snmp-alert', { codeFrom: 1000, codeTo: 1200 }), '', reading)!;
    expect([...range.active.keys()]).to.deep.equal(['1101:11.1']);
    const critical = evaluateCondition(spec('snmp-alert', { severity: 'CRITICAL' }), '', reading)!;
    expect([...critical.active.keys()]).to.deep.equal(['8:8.1']);
    const otherModel = evaluateCondition(
      spec('snmp-alert', { codeFrom: 1, model: 'LaserJet' }),
      '',
      reading,
    )!;
    expect(otherModel.active.size).to.equal(0);
    expect(
      alertMatches(
        alerts[1],
        { model: 'taskalfa', trainingLevel: 3, group: 11, groupIndex: 1 },
        'Kyocera TASKalfa',
      ),
    ).to.equal(true);
    expect(alertMatches(alerts[1], { trainingLevel: 4 }, '')).to.equal(false);
  });

  it('refuses parameters outside their ranges, naming the field', () => {
    expect(() => checkDefinitionSpec('toner-low', { thresholdPercent: 100 })).to.throw(
      /params.thresholdPercent/,
    );
    expect(() => checkDefinitionSpec('counter-milestone', { everyPages: 0 })).to.throw(/params.everyPages/);
    expect(() => checkDefinitionSpec('snmp-alert', { codeFrom: 9, codeTo: 1 })).to.throw(
      /codeFrom must not be above/,
    );
    expect(() => checkDefinitionSpec('paper-jam', { colorant: 'black' })).to.throw(/params/);
    expect(checkDefinitionSpec('toner-low', {})).to.deep.equal({
      type: 'toner-low',
      params: { thresholdPercent: 20, colorant: 'any' },
    });
  });
});
