/**
 * Deep copies of the PostScript interpreter's values, for the prolog cache (postscript-prolog-feeder.ts): a
 * snapshot of the state a prolog leaves must not change when the job it was taken from goes on, nor when a job
 * restored from it goes on.
 *
 * Only what an operator can change in place is copied: procedures (`bind` rewrites their bodies and marks them
 * read-only), arrays (`put`), dictionaries (`def`, `put`, `store`, `restore`), and the JavaScript arrays and maps
 * behind them, which two values may share (`cvx` turns an array into a procedure over the same items; the `save`
 * journal refers to dictionaries' maps). Each is copied once, so sharing and cycles (`/this currentdict def`)
 * come out the same. Names, strings, operators, marks, files, references and save objects are never changed
 * once made, and are shared, as are the device dictionaries (`statusdict`), which no job can change.
 *
 * Taking a snapshot copies through a memo ({@link ValueCloner}); restoring one, which every job it serves pays
 * for, copies from a plan made once per snapshot ({@link SnapshotGraph}): per array a template to slice, and
 * where in it the containers go, so no memo is consulted and no entry is looked at twice. Neither recurses: a
 * job can nest arrays a million deep at run time, which would overflow the JavaScript stack.
 */
import { LiteralDict } from './postscript-dicts';
import { type PsArray, type PsDict, type PsProc, type PsValue, type ValueCopier } from './postscript-values';

type Container = PsProc | PsArray | PsDict;
/** A procedure body, array items or a literal dictionary's pairs (whose keys are strings or null). */
type List = Array<PsValue | string>;

function isContainer(value: unknown): value is Container {
  if (value === null || typeof value !== 'object') return false;
  const kind = (value as { k?: unknown }).k;
  return kind === 'proc' || kind === 'array' || (kind === 'dict' && !(value as PsDict).opaque);
}

/** Copies values through a memo (see the file comment). Copy with {@link value} and {@link map}, then {@link finish}. */
export class ValueCloner implements ValueCopier {
  /** The copies made, in order, by kind: what a {@link SnapshotGraph} is planned from. */
  readonly values: Container[] = [];
  readonly lists: List[] = [];
  readonly maps: Array<Map<string, PsValue>> = [];
  private readonly copies = new Map<object, unknown>();
  private readonly work: Array<() => void> = [];
  /** Entries copied (procedure, array and dictionary entries): the size of the copy, for the cache's bound. */
  entries = 0;

  value(value: PsValue): PsValue {
    if (!isContainer(value)) return value;
    const known = this.copies.get(value);
    if (known !== undefined) return known as PsValue;
    const copy = this.shell(value);
    this.copies.set(value, copy);
    this.values.push(copy);
    return copy;
  }

  map(map: Map<string, PsValue>): Map<string, PsValue> {
    const known = this.copies.get(map);
    if (known !== undefined) return known as Map<string, PsValue>;
    const copy = new Map<string, PsValue>();
    this.copies.set(map, copy);
    this.maps.push(copy);
    this.entries += map.size;
    this.work.push(() => {
      for (const [key, value] of map) copy.set(key, this.value(value));
    });
    return copy;
  }

  /** Fills in every copy handed out so far. */
  finish(): void {
    for (let task = this.work.pop(); task !== undefined; task = this.work.pop()) task();
  }

  private list<T extends List>(items: T): T {
    const known = this.copies.get(items);
    if (known !== undefined) return known as T;
    const copy = items.slice() as T;
    this.copies.set(items, copy);
    this.lists.push(copy);
    this.entries += items.length;
    this.work.push(() => {
      for (let i = 0; i < copy.length; i += 1) {
        const item = copy[i];
        if (isContainer(item)) copy[i] = this.value(item);
      }
    });
    return copy;
  }

  private shell(value: Container): Container {
    if (value.k === 'proc') {
      const proc: PsProc = { k: 'proc', body: this.list(value.body), complete: value.complete };
      if (value.readOnly !== undefined) proc.readOnly = value.readOnly;
      return proc;
    }
    if (value.k === 'array') return { k: 'array', items: this.list(value.items) };
    if (value instanceof LiteralDict) {
      const { pairs, built } = value.contents();
      return LiteralDict.holding(pairs && this.list(pairs), built && this.map(built));
    }
    const dict: PsDict = { k: 'dict', map: this.map(value.map) };
    if (value.system) dict.system = true;
    return dict;
  }
}

const enum NodeKind {
  Proc,
  ProcReadOnly,
  Array,
  Dict,
  SystemDict,
  LiteralPairs,
  LiteralBuilt,
}

/** One container of the snapshot: its kind, the list or map it holds, and whether a procedure is complete. */
interface Node {
  kind: NodeKind;
  part: number;
  complete: boolean;
}

/** A list or map template: entries as they are, containers as null; `refs` is (place, node) pairs. */
interface Template<T> {
  entries: T;
  refs: number[];
}

/**
 * The plan for copying a snapshot made by a {@link ValueCloner} (see the file comment). The snapshot must not
 * change afterwards: the plan is of the values it held when made.
 */
export class SnapshotGraph {
  private readonly nodes: Node[] = [];
  private readonly lists: Array<Template<List>> = [];
  private readonly maps: Array<Template<Array<[string, PsValue]>>> = [];
  private readonly nodeIndex = new Map<object, number>();
  private readonly mapIndex = new Map<Map<string, PsValue>, number>();

  constructor(cloner: ValueCloner) {
    const listIndex = new Map<List, number>();
    cloner.values.forEach((value, index) => this.nodeIndex.set(value, index));
    cloner.lists.forEach((list, index) => listIndex.set(list, index));
    cloner.maps.forEach((map, index) => this.mapIndex.set(map, index));
    for (const list of cloner.lists) this.lists.push(this.template(list.slice()));
    for (const map of cloner.maps) this.maps.push(this.template([...map.entries()].map(([k, v]) => [k, v])));
    for (const value of cloner.values) this.nodes.push(this.node(value, listIndex));
  }

  /** A fresh copy of the snapshot: a copier that maps the snapshot's values and maps to their copies. */
  thaw(): ValueCopier {
    const lists = this.lists.map((list) => list.entries.slice());
    const maps = this.maps.map(() => new Map<string, PsValue>());
    const values = this.nodes.map((node) => this.create(node, lists, maps));
    this.lists.forEach((list, index) => {
      const entries = lists[index];
      for (let i = 0; i < list.refs.length; i += 2) entries[list.refs[i]] = values[list.refs[i + 1]];
    });
    this.maps.forEach((template, index) => {
      const map = maps[index];
      const entries = template.entries;
      let ref = 0;
      for (let i = 0; i < entries.length; i += 1) {
        const fromRef = ref < template.refs.length && template.refs[ref] === i;
        map.set(entries[i][0], fromRef ? values[template.refs[ref + 1]] : entries[i][1]);
        if (fromRef) ref += 2;
      }
    });
    return {
      value: (value) => (isContainer(value) ? values[this.indexOf(this.nodeIndex, value)] : value),
      map: (map) => maps[this.indexOf(this.mapIndex, map)],
    };
  }

  private indexOf<K>(index: Map<K, number>, key: K): number {
    const at = index.get(key);
    if (at === undefined) throw new Error('a value outside the PostScript snapshot was restored');
    return at;
  }

  private template<T extends List | Array<[string, PsValue]>>(entries: T): Template<T> {
    const refs: number[] = [];
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i];
      const value = Array.isArray(entry) ? entry[1] : entry;
      if (!isContainer(value)) continue;
      refs.push(i, this.indexOf(this.nodeIndex, value));
      if (Array.isArray(entry)) entry[1] = null;
      else entries[i] = null;
    }
    return { entries, refs };
  }

  private node(value: Container, listIndex: Map<List, number>): Node {
    const list = (items: List) => this.indexOf(listIndex, items);
    if (value.k === 'proc') {
      const kind = value.readOnly ? NodeKind.ProcReadOnly : NodeKind.Proc;
      return { kind, part: list(value.body), complete: value.complete };
    }
    if (value.k === 'array') return { kind: NodeKind.Array, part: list(value.items), complete: true };
    if (value instanceof LiteralDict) {
      const { pairs, built } = value.contents();
      return built !== null
        ? { kind: NodeKind.LiteralBuilt, part: this.indexOf(this.mapIndex, built), complete: true }
        : { kind: NodeKind.LiteralPairs, part: pairs === null ? -1 : list(pairs), complete: true };
    }
    const kind = value.system ? NodeKind.SystemDict : NodeKind.Dict;
    return { kind, part: this.indexOf(this.mapIndex, value.map), complete: true };
  }

  private create(node: Node, lists: List[], maps: Array<Map<string, PsValue>>): Container {
    switch (node.kind) {
      case NodeKind.Proc:
        return { k: 'proc', body: lists[node.part] as PsValue[], complete: node.complete };
      case NodeKind.ProcReadOnly:
        return { k: 'proc', body: lists[node.part] as PsValue[], complete: node.complete, readOnly: true };
      case NodeKind.Array:
        return { k: 'array', items: lists[node.part] as PsValue[] };
      case NodeKind.Dict:
        return { k: 'dict', map: maps[node.part] };
      case NodeKind.SystemDict:
        return { k: 'dict', map: maps[node.part], system: true };
      case NodeKind.LiteralPairs:
        return LiteralDict.holding(node.part < 0 ? null : lists[node.part], null);
      default:
        return LiteralDict.holding(null, maps[node.part]);
    }
  }
}
