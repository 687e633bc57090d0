/**
 * Unit tests of the column walker against a scripted agent: the corners real agents reach only under load or
 * with odd firmware (truncated GETBULK answers, tooBig, SNMPv1's noSuchName at the end of the MIB, agents that
 * loop) are played here, on a small MIB, counting round trips. The real agents are in test/printers-snmp.test.ts.
 */
import { expect } from 'chai';
import * as snmp from 'net-snmp';
import { type SnmpRequester, type SnmpVarbind } from './snmp-session';
import { collect, compareOids, getExisting } from './snmp-walk';
import { oidBefore } from './vendor-counters';

const END = { type: snmp.ObjectType.EndOfMibView, value: null };

/** An agent over a fixed MIB, with GET/GETNEXT/GETBULK semantics and knobs for misbehaviour. */
class ScriptedAgent implements SnmpRequester {
  requests = 0;
  /** Answer at most this many varbinds per GETBULK (a truncating agent). */
  truncateTo = Infinity;
  /** Fail a GETBULK with tooBig when it asks for more than this many varbinds. */
  tooBigAbove = Infinity;
  /** Answer GETNEXT/GETBULK for this OID with this one, as a looping agent does. */
  loopAt: { from: string; to: string } | null = null;
  private readonly oids: string[];

  constructor(
    readonly version: '1' | '2c' | '3',
    private readonly mib: Map<string, number | string>,
  ) {
    this.oids = [...mib.keys()].sort(compareOids);
  }

  private varbind(oid: string): SnmpVarbind {
    const value = this.mib.get(oid)!;
    return typeof value === 'number'
      ? { oid, type: snmp.ObjectType.Integer, value }
      : { oid, type: snmp.ObjectType.OctetString, value: Buffer.from(value) };
  }

  private next(oid: string): SnmpVarbind | null {
    if (this.loopAt && oid === this.loopAt.from) return this.varbind(this.loopAt.to);
    const after = this.oids.find((candidate) => compareOids(candidate, oid) > 0);
    return after === undefined ? null : this.varbind(after);
  }

  private noSuchName(oid: string): Error {
    return new snmp.RequestFailedError(`NoSuchName: ${oid}`, snmp.ErrorStatus.NoSuchName);
  }

  async get(oids: string[]): Promise<SnmpVarbind[]> {
    this.requests++;
    return oids.map((oid) => {
      if (this.mib.has(oid)) return this.varbind(oid);
      if (this.version === '1') throw this.noSuchName(oid);
      return { oid, type: snmp.ObjectType.NoSuchInstance, value: null };
    });
  }

  async getNext(oids: string[]): Promise<SnmpVarbind[]> {
    this.requests++;
    return oids.map((oid) => {
      const found = this.next(oid);
      if (found) return found;
      if (this.version === '1') throw this.noSuchName(oid);
      return { oid, ...END };
    });
  }

  async getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number) {
    this.requests++;
    if (nonRepeaters + (oids.length - nonRepeaters) * maxRepetitions > this.tooBigAbove) {
      throw new snmp.RequestFailedError('TooBig', snmp.ErrorStatus.TooBig);
    }
    const flat: SnmpVarbind[] = oids.slice(0, nonRepeaters).map((oid) => this.next(oid) ?? { oid, ...END });
    let cursors = oids.slice(nonRepeaters);
    for (let r = 0; r < maxRepetitions && cursors.length > 0; r++) {
      const row = cursors.map((oid) => this.next(oid) ?? { oid, ...END });
      flat.push(...row);
      cursors = row.map((v) => v.oid);
    }
    const answer = flat.slice(0, this.truncateTo);
    const grouped: (SnmpVarbind | SnmpVarbind[])[] = answer.slice(0, nonRepeaters);
    answer.slice(nonRepeaters).forEach((varbind, i) => {
      const at = nonRepeaters + (i % (oids.length - nonRepeaters));
      if (grouped[at] === undefined) grouped[at] = [];
      (grouped[at] as SnmpVarbind[]).push(varbind);
    });
    return grouped;
  }
}

const A = '1.3.6.1.2.1.43.11.1.1.6';
const B = '1.3.6.1.2.1.43.11.1.1.9';
const SHORT = '1.3.6.1.2.1.43.18.1.1.7';

function fixtureMib(rowsOfA: number): Map<string, number | string> {
  const mib = new Map<string, number | string>([['1.3.6.1.2.1.1.1.0', 'sysDescr']]);
  for (let i = 1; i <= rowsOfA; i++) {
    mib.set(`${A}.1.${i}`, `supply ${i}`);
    mib.set(`${B}.1.${i}`, i * 10);
  }
  mib.set(`${SHORT}.1.1`, 8);
  mib.set('1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6.0', 1234);
  return mib;
}

function rowsOf(result: Awaited<ReturnType<typeof collect>>, column: string): string[] {
  return [...(result.columns.get(column)?.keys() ?? [])];
}

describe('SNMP column walker', () => {
  it('orders OIDs arc by arc, not as text', () => {
    expect(compareOids('1.3.6.1.10', '1.3.6.1.9')).to.be.greaterThan(0);
    expect(compareOids('1.3.6.1', '1.3.6.1.0')).to.be.lessThan(0);
    expect(compareOids('1.3.6', '1.3.6')).to.equal(0);
  });

  it('asks for an exact OID with a GETNEXT that lands on it', () => {
    expect(oidBefore('1.3.6.1.2.1.1.5.0')).to.equal('1.3.6.1.2.1.1.5');
    expect(oidBefore('1.3.6.1.4.1.1347.42.3.1.2.1.1.1.3')).to.equal(
      '1.3.6.1.4.1.1347.42.3.1.2.1.1.1.2.4294967295',
    );
  });

  it('reads nexts and several columns to their ends in one GETBULK when they fit', async () => {
    const agent = new ScriptedAgent('2c', fixtureMib(3));
    const result = await collect(agent, {
      nexts: ['1.3.6.1.2.1.1.1'],
      columns: [A, B, SHORT],
      maxRepetitions: 8,
    });
    expect(agent.requests).to.equal(1);
    expect(result.nexts[0]?.oid).to.equal('1.3.6.1.2.1.1.1.0');
    expect(rowsOf(result, A)).to.deep.equal(['1.1', '1.2', '1.3']);
    expect([...result.columns.get(B)!.values()]).to.deep.equal([10, 20, 30]);
    expect(rowsOf(result, SHORT)).to.deep.equal(['1.1']);
  });

  it('asks again only for the columns longer than maxRepetitions', async () => {
    const agent = new ScriptedAgent('2c', fixtureMib(10));
    const result = await collect(agent, { nexts: [], columns: [A, B, SHORT], maxRepetitions: 4 });
    expect(rowsOf(result, A)).to.have.length(10);
    expect(rowsOf(result, B)).to.have.length(10);
    expect(rowsOf(result, SHORT)).to.deep.equal(['1.1']);
    expect(agent.requests).to.equal(3);
  });

  it('continues the columns a truncating agent cut short', async () => {
    const agent = new ScriptedAgent('2c', fixtureMib(6));
    agent.truncateTo = 5;
    const result = await collect(agent, {
      nexts: ['1.3.6.1.2.1.1.1'],
      columns: [A, B, SHORT],
      maxRepetitions: 8,
    });
    expect(result.nexts[0]?.oid).to.equal('1.3.6.1.2.1.1.1.0');
    expect(rowsOf(result, A)).to.have.length(6);
    expect(rowsOf(result, B)).to.have.length(6);
    expect(rowsOf(result, SHORT)).to.deep.equal(['1.1']);
  });

  it('asks for fewer rows, then fewer columns, when the agent says tooBig', async () => {
    const agent = new ScriptedAgent('2c', fixtureMib(5));
    agent.tooBigAbove = 2;
    const result = await collect(agent, {
      nexts: ['1.3.6.1.2.1.1.1'],
      columns: [A, B, SHORT],
      maxRepetitions: 8,
    });
    expect(result.nexts[0]?.oid).to.equal('1.3.6.1.2.1.1.1.0');
    expect(rowsOf(result, A)).to.have.length(5);
    expect(rowsOf(result, B)).to.have.length(5);
    expect(rowsOf(result, SHORT)).to.deep.equal(['1.1']);
  });

  it('walks with GETNEXT on SNMPv1 and survives noSuchName at the end of the MIB', async () => {
    const agent = new ScriptedAgent('1', fixtureMib(3));
    const last = '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6';
    const result = await collect(agent, {
      nexts: ['1.3.6.1.2.1.1.1', `${last}.0`],
      columns: [A, SHORT, last],
      maxRepetitions: 8,
    });
    expect(result.nexts[0]?.oid).to.equal('1.3.6.1.2.1.1.1.0');
    expect(result.nexts[1]).to.equal(null);
    expect(rowsOf(result, A)).to.deep.equal(['1.1', '1.2', '1.3']);
    expect(rowsOf(result, SHORT)).to.deep.equal(['1.1']);
    expect(rowsOf(result, last)).to.deep.equal(['0']);
    expect([...result.columns.get(last)!.values()]).to.deep.equal([1234]);
  });

  it('stops a column at an agent that answers with an earlier OID', async () => {
    const agent = new ScriptedAgent('2c', fixtureMib(4));
    agent.loopAt = { from: `${A}.1.2`, to: `${A}.1.1` };
    const result = await collect(agent, { nexts: [], columns: [A], maxRepetitions: 2 });
    expect(rowsOf(result, A)).to.deep.equal(['1.1', '1.2']);
    expect(agent.requests).to.be.lessThan(4);
  });

  it('GETs what exists, dropping what v1 calls noSuchName', async () => {
    for (const version of ['1', '2c'] as const) {
      const agent = new ScriptedAgent(version, fixtureMib(2));
      const found = await getExisting(agent, [`${A}.1.1`, `${A}.1.9`, `${B}.1.2`]);
      expect([...found.keys()], version).to.deep.equal([`${A}.1.1`, `${B}.1.2`]);
      expect(found.get(`${B}.1.2`)).to.equal(20);
    }
  });
});
