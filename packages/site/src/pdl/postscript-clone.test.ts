/**
 * Deep copies of interpreter values for the prolog cache: sharing and cycles come out the same, copies never
 * touch their source or each other, immutable values and device dictionaries are shared, and arrays nested far
 * deeper than the JavaScript stack allows are copied without recursion.
 */
import { expect } from 'chai';
import { SnapshotGraph, ValueCloner } from './postscript-clone';
import { LiteralDict } from './postscript-dicts';
import { type PsArray, type PsDict, type PsProc, type PsValue, type ValueCopier } from './postscript-values';

interface Sample {
  roots: PsValue[];
  map: Map<string, PsValue>;
}

/** Values as the interpreter makes them: a procedure over an array's items, a dictionary holding itself. */
function sample(): Sample {
  const items: PsValue[] = [1, { k: 'name', v: 'x' }, null];
  const array: PsArray = { k: 'array', items };
  const proc: PsProc = { k: 'proc', body: items, complete: true };
  const inner: PsProc = { k: 'proc', body: [{ k: 'exec', v: 'showpage' }], complete: false, readOnly: true };
  const map = new Map<string, PsValue>([
    ['z', 1],
    ['a', proc],
    ['m', inner],
  ]);
  const dict: PsDict = { k: 'dict', map };
  map.set('self', dict);
  const system: PsDict = { k: 'dict', map: new Map(), system: true };
  const opaque: PsDict = { k: 'dict', map: new Map(), opaque: true };
  const literal = new LiteralDict(['key', array, null, 5]);
  const built = new LiteralDict(['b', inner]);
  expect(built.map.get('b')).to.equal(inner);
  return { roots: [array, proc, dict, system, opaque, literal, built, { k: 'string', content: 'abc' }], map };
}

/** Copies `roots` (and `map`) through a cloner, then a graph thawed from the cloner's copies. */
function copies(source: Sample): Array<{ roots: PsValue[]; map: Map<string, PsValue> }> {
  const cloner = new ValueCloner();
  const frozen = { roots: source.roots.map((value) => cloner.value(value)), map: cloner.map(source.map) };
  cloner.finish();
  const graph = new SnapshotGraph(cloner);
  const thaw = (copier: ValueCopier) => ({
    roots: frozen.roots.map((value) => copier.value(value)),
    map: copier.map(frozen.map),
  });
  return [frozen, thaw(graph.thaw()), thaw(graph.thaw())];
}

function checkCopy(source: Sample, copy: { roots: PsValue[]; map: Map<string, PsValue> }): void {
  const [array, proc, dict, system, opaque, literal, built, string] = copy.roots as [
    PsArray,
    PsProc,
    PsDict,
    PsDict,
    PsDict,
    LiteralDict,
    LiteralDict,
    PsValue,
  ];
  expect(array).to.deep.equal(source.roots[0]);
  expect(array).to.not.equal(source.roots[0]);
  expect(proc.body, 'cvx sharing').to.equal(array.items);
  expect(dict.map).to.equal(copy.map);
  expect(dict.map.get('self'), 'cycle').to.equal(dict);
  expect(dict.map.get('a')).to.equal(proc);
  expect([...dict.map.keys()], 'order').to.deep.equal(['z', 'a', 'm', 'self']);
  expect(dict.map.get('m')).to.deep.equal({
    k: 'proc',
    body: [{ k: 'exec', v: 'showpage' }],
    complete: false,
    readOnly: true,
  });
  expect(system).to.deep.equal({ k: 'dict', map: new Map(), system: true });
  expect(opaque).to.equal(source.roots[4]);
  expect(string).to.equal(source.roots[7]);
  expect(array.items[1]).to.equal((source.roots[0] as PsArray).items[1]);
  expect(literal).to.be.instanceOf(LiteralDict).and.not.equal(source.roots[5]);
  expect(literal.entryCount).to.equal(2);
  expect(literal.map.get('key'), 'shared with the first root').to.equal(array);
  expect(built.map.get('b')).to.equal(dict.map.get('m'));
}

describe('PostScript value copies', () => {
  it('copies containers once each, keeping sharing, cycles, order and flags; shares immutable values', () => {
    const source = sample();
    for (const copy of copies(source)) checkCopy(source, copy);
  });

  it('leaves the source and every other copy alone when a copy changes', () => {
    const source = sample();
    const [frozen, first, second] = copies(source);
    (first.roots[0] as PsArray).items[0] = 99;
    (first.roots[1] as PsProc).readOnly = true;
    first.map.set('new', 1);
    (first.roots[5] as LiteralDict).map.set('key', 0);
    for (const other of [source, frozen, second]) {
      expect((other.roots[0] as PsArray).items[0]).to.equal(1);
      expect((other.roots[1] as PsProc).readOnly).to.equal(undefined);
      expect(other.map.has('new')).to.equal(false);
    }
    checkCopy(source, second);
  });

  it('copies arrays nested far deeper than a recursive copy could go', () => {
    let value: PsValue = { k: 'array', items: [] };
    for (let depth = 0; depth < 200_000; depth += 1) value = { k: 'array', items: [value, depth] };
    for (const copy of copies({ roots: [value], map: new Map() })) {
      let node = copy.roots[0] as PsArray;
      let depth = 0;
      let ordered = true;
      while (node.items.length > 0) {
        ordered &&= node.items[1] === 199_999 - depth;
        node = node.items[0] as PsArray;
        depth += 1;
      }
      expect({ depth, ordered }).to.deep.equal({ depth: 200_000, ordered: true });
    }
  });

  it('refuses to restore a value the snapshot does not hold', () => {
    const cloner = new ValueCloner();
    cloner.finish();
    const copier = new SnapshotGraph(cloner).thaw();
    expect(copier.value(3)).to.equal(3);
    expect(() => copier.value({ k: 'array', items: [] })).to.throw(/outside the PostScript snapshot/);
  });
});
