/**
 * Unit tests: each .snmprec fixture is well-formed for snmpsim (sorted, no duplicates, known types) and
 * SNMP_FIXTURES describes exactly what the file serves, read back here the way a Printer-MIB reader would.
 */
import { expect } from 'chai';
import {
  type SnmpFixture,
  type SnmprecRecord,
  SNMP_FIXTURE_NAMES,
  SNMP_FIXTURES,
  compareOids,
  formatSnmprec,
  parseSnmprec,
  readSnmpFixture,
} from './snmp-fixtures';

const SUPPLY_TYPES: Record<number, string> = { 3: 'toner', 4: 'wasteToner', 9: 'opc', 15: 'fuser' };
const SEVERITIES: Record<number, string> = {
  1: 'other',
  3: 'critical',
  4: 'warning',
  5: 'warningBinaryChangeEvent',
};
const ERROR_BITS = [
  'lowPaper',
  'noPaper',
  'lowToner',
  'noToner',
  'doorOpen',
  'jammed',
  'offline',
  'serviceRequested',
];
const HP_COUNTERS = '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2';
const KYOCERA_BY_COLOUR = '1.3.6.1.4.1.1347.42.3.1.2.1.1';

/** The fixture's rows as a map, plus lookups by column of a Printer-MIB table. */
function reader(records: SnmprecRecord[]) {
  const byOid = new Map(records.map((r) => [r.oid, r]));
  const text = (oid: string): string => {
    const record = byOid.get(oid);
    if (!record) throw new Error(`no ${oid}`);
    return record.tag === '4x' ? Buffer.from(record.value, 'hex').toString('utf8') : record.value;
  };
  const number = (oid: string): number => Number(text(oid));
  const rows = (column: string): string[] =>
    records.filter((r) => r.oid.startsWith(`${column}.`)).map((r) => r.oid.slice(column.length + 1));
  const optional = (oid: string): number | null => (byOid.has(oid) ? number(oid) : null);
  return { byOid, text, number, rows, optional };
}

function macOf(records: SnmprecRecord[]): string {
  const first = records.find((r) => r.oid.startsWith('1.3.6.1.2.1.2.2.1.6.') && r.value !== '');
  return (first?.value.match(/../g) ?? []).join(':');
}

function countersOf(read: ReturnType<typeof reader>): SnmpFixture['counters'] {
  const total = read.number('1.3.6.1.2.1.43.10.2.1.4.1.1');
  if (read.byOid.has(`${HP_COUNTERS}.6.0`)) {
    return { total, mono: read.number(`${HP_COUNTERS}.6.0`), color: read.optional(`${HP_COUNTERS}.7.0`) };
  }
  const sumOf = (colour: number): number =>
    read
      .rows(KYOCERA_BY_COLOUR)
      .filter((suffix) => suffix.endsWith(`.${colour}`))
      .reduce((sum, suffix) => sum + read.number(`${KYOCERA_BY_COLOUR}.${suffix}`), 0);
  return { total, mono: sumOf(1), color: sumOf(3) };
}

function suppliesOf(read: ReturnType<typeof reader>): SnmpFixture['supplies'] {
  const column = (n: number, index: string): string => `1.3.6.1.2.1.43.11.1.1.${n}.${index}`;
  return read.rows('1.3.6.1.2.1.43.11.1.1.6').map((index) => {
    const colorantIndex = read.number(column(3, index));
    const [level, max] = [read.number(column(9, index)), read.number(column(8, index))];
    return {
      index,
      description: read.text(column(6, index)),
      type: SUPPLY_TYPES[read.number(column(5, index))],
      colorant: colorantIndex === 0 ? null : read.text(`1.3.6.1.2.1.43.12.1.1.4.1.${colorantIndex}`),
      level,
      max,
      levelPercent: level < 0 || max <= 0 ? null : Math.round((level * 100) / max),
    };
  });
}

function describeFile(records: SnmprecRecord[]): Omit<SnmpFixture, 'oids'> {
  const read = reader(records);
  const supplies = suppliesOf(read);
  const colorants = read
    .rows('1.3.6.1.2.1.43.12.1.1.4')
    .map((i) => read.text(`1.3.6.1.2.1.43.12.1.1.4.${i}`));
  const errorStateHex = read.byOid.get('1.3.6.1.2.1.25.3.5.1.2.1')?.value ?? '';
  const firstOctet = parseInt(errorStateHex.slice(0, 2), 16);
  return {
    model: read.text('1.3.6.1.2.1.25.3.2.1.3.1'),
    serial: read.text('1.3.6.1.2.1.43.5.1.1.17.1'),
    mac: macOf(records),
    color: colorants.length > 1 || colorants.some((c) => c !== 'black'),
    sysName: read.text('1.3.6.1.2.1.1.5.0'),
    sysDescr: read.text('1.3.6.1.2.1.1.1.0'),
    sysLocation: read.text('1.3.6.1.2.1.1.6.0'),
    sysContact: read.text('1.3.6.1.2.1.1.4.0'),
    counters: countersOf(read),
    supplies,
    supplyLevelOids: Object.fromEntries(
      supplies.filter((s) => s.colorant).map((s) => [s.colorant, `1.3.6.1.2.1.43.11.1.1.9.${s.index}`]),
    ),
    trays: read.rows('1.3.6.1.2.1.43.8.2.1.13').map((index) => ({
      index,
      name: read.text(`1.3.6.1.2.1.43.8.2.1.13.${index}`),
      media: read.text(`1.3.6.1.2.1.43.8.2.1.12.${index}`),
      level: read.number(`1.3.6.1.2.1.43.8.2.1.10.${index}`),
      max: read.number(`1.3.6.1.2.1.43.8.2.1.9.${index}`),
    })),
    alerts: read.rows('1.3.6.1.2.1.43.18.1.1.2').map((index) => ({
      index,
      severity: SEVERITIES[read.number(`1.3.6.1.2.1.43.18.1.1.2.${index}`)],
      code: read.number(`1.3.6.1.2.1.43.18.1.1.7.${index}`),
      description: read.text(`1.3.6.1.2.1.43.18.1.1.8.${index}`),
    })),
    status: {
      device: read.number('1.3.6.1.2.1.25.3.2.1.5.1'),
      printer: read.number('1.3.6.1.2.1.25.3.5.1.1.1'),
      errorState: ERROR_BITS.filter((_, bit) => (firstOctet & (0x80 >> bit)) !== 0),
      errorStateHex,
    },
  };
}

describe('SNMP fixtures', () => {
  for (const name of SNMP_FIXTURE_NAMES) {
    describe(name, () => {
      const records = readSnmpFixture(name);

      it('is sorted by OID without duplicates and uses only known type tags', () => {
        for (let i = 1; i < records.length; i++) {
          expect(compareOids(records[i - 1].oid, records[i].oid), records[i].oid).to.be.lessThan(0);
        }
        const tags = new Set(records.map((r) => r.tag));
        expect([...tags].every((tag) => ['2', '4', '4x', '6', '65', '66', '67'].includes(tag))).to.equal(
          true,
        );
      });

      it('has the groups a printer reader needs', () => {
        const read = reader(records);
        expect(read.text('1.3.6.1.2.1.25.3.2.1.2.1')).to.equal('1.3.6.1.2.1.25.3.1.5');
        expect(read.byOid.get('1.3.6.1.2.1.25.3.5.1.2.1')?.tag).to.equal('4x');
        for (const table of ['43.8.2.1.2', '43.10.2.1.4', '43.11.1.1.9', '43.12.1.1.4', '43.18.1.1.8']) {
          expect(read.rows(`1.3.6.1.2.1.${table}`), table).to.have.length.greaterThan(0);
        }
      });

      it('is described exactly by SNMP_FIXTURES', () => {
        const { oids, ...described } = SNMP_FIXTURES[name];
        expect(describeFile(records)).to.deep.equal(described);
        for (const oid of Object.values(oids)) expect(reader(records).byOid.has(oid), oid).to.equal(true);
      });
    });
  }

  it('has one model with a "some remaining" (-3) supply and one in warning with toner low', () => {
    const all = Object.values(SNMP_FIXTURES);
    expect(all.some((f) => f.supplies.some((s) => s.level === -3 && s.levelPercent === null))).to.equal(true);
    expect(all.some((f) => f.status.errorState.includes('lowToner'))).to.equal(true);
    expect(all.filter((f) => f.color)).to.have.length(2);
  });

  it('parses and formats .snmprec text, keeping pipes inside values and sorting numerically', () => {
    const records = parseSnmprec('# comment\n1.3.6.1.10|4|a|b\n\n1.3.6.1.2|2|5\n');
    expect(records).to.deep.equal([
      { oid: '1.3.6.1.10', tag: '4', value: 'a|b' },
      { oid: '1.3.6.1.2', tag: '2', value: '5' },
    ]);
    expect(formatSnmprec(records)).to.equal('1.3.6.1.2|2|5\n1.3.6.1.10|4|a|b\n');
    expect(() => parseSnmprec('1.3.6.1|2\n')).to.throw(/malformed .snmprec line 1/);
  });
});
