/**
 * The dictionaries of the PostScript analyser's interpreter: the dictionary stack (`begin`/`end`), definitions
 * (`def`, `put`, `store`), and the journal that lets `restore` undo the definitions made since its `save` — which
 * matters for counting, because embedding code disables `showpage` between `save` and `restore`.
 *
 * Memory is bounded against a hostile job: the stack depth is capped (a `begin` past the cap is counted, not
 * pushed, so the matching `end` still balances), and every new key, with the size of the value stored under it,
 * is charged to the item budget shared with procedure bodies (a replaced value is credited back); past the budget,
 * new definitions are dropped and a notice is given.
 */
import { isArray, isDict, type PsDict, type PsValue, type ValueCopier } from './postscript-values';

const MAX_DICT_STACK = 256;
const MAX_JOURNAL = 200_000;

/** A count of stored items against a limit, shared by everything the interpreter keeps. */
export class ItemBudget {
  private used = 0;
  constructor(private readonly limit: number) {}

  /** The items charged so far. */
  get spent(): number {
    return this.used;
  }

  /** Sets the items charged, as a snapshot of the interpreter's state had them. */
  restore(spent: number): void {
    this.used = spent;
  }

  /** Charges `count` items (a negative count gives some back); false, and nothing charged, past the limit. */
  take(count: number): boolean {
    if (count > 0 && this.used + count > this.limit) return false;
    this.used = Math.max(0, this.used + count);
    return true;
  }
}

interface JournalEntry {
  map: Map<string, PsValue>;
  key: string;
  previous: PsValue | undefined;
}

/** What a {@link DictionaryStack} holds, for a snapshot of the interpreter's state. */
export interface DictionaryStackState {
  globalDict: PsDict;
  systemDict: PsDict;
  stack: PsDict[];
  overflow: number;
  journal: JournalEntry[];
  journaling: number;
  everDefined: Set<string>;
}

/** `state` with every value through `copy`. */
function copyStackState(state: DictionaryStackState, copy: ValueCopier): DictionaryStackState {
  const dict = (value: PsDict) => copy.value(value) as PsDict;
  return {
    globalDict: dict(state.globalDict),
    systemDict: dict(state.systemDict),
    stack: state.stack.map(dict),
    overflow: state.overflow,
    journal: state.journal.map((entry) => ({
      map: copy.map(entry.map),
      key: entry.key,
      previous: entry.previous === undefined ? undefined : copy.value(entry.previous),
    })),
    journaling: state.journaling,
    everDefined: new Set(state.everDefined),
  };
}

/** How many items a stored value holds, for the budget. */
function sizeOf(value: PsValue): number {
  if (isArray(value)) return 1 + value.items.length;
  if (isDict(value)) return 1 + (value instanceof LiteralDict ? value.entryCount : value.map.size);
  return 1;
}

/**
 * A dictionary made by `>>` (or `.dicttomark`), whose map is built on first use. ghostscript's ps2write prolog
 * builds the Adobe glyph list this way, over 4,000 entries that a job seldom reads, and filling a map that big
 * was a twentieth of the analysis of a small job. The keys are read at once (a later change to a string used
 * as a key must not change the dictionary); only the map waits, and comes out the same, later keys winning.
 */
export class LiteralDict implements PsDict {
  readonly k = 'dict';
  private built: Map<string, PsValue> | null = null;

  /** `pairs` alternates keys (null for a value that cannot be a key) and values; it is kept, not copied. */
  constructor(private pairs: Array<string | PsValue> | null) {}

  /** The entries given, for the budget: a key given twice counts twice until the map is built. */
  get entryCount(): number {
    return this.built !== null ? this.built.size : (this.pairs?.length ?? 0) >> 1;
  }

  /** What it holds: its pairs until its map is built, then the map (for snapshots, postscript-clone.ts). */
  contents(): { pairs: Array<string | PsValue> | null; built: Map<string, PsValue> | null } {
    return { pairs: this.pairs, built: this.built };
  }

  /** A dictionary holding `contents` (as {@link contents} gives them), which it keeps, not copies. */
  static holding(pairs: Array<string | PsValue> | null, built: Map<string, PsValue> | null): LiteralDict {
    const dict = new LiteralDict(pairs);
    dict.built = built;
    if (built !== null) dict.pairs = null;
    return dict;
  }

  get map(): Map<string, PsValue> {
    if (this.built === null) {
      const map = new Map<string, PsValue>();
      const pairs = this.pairs ?? [];
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const key = pairs[i];
        if (typeof key === 'string') map.set(key, pairs[i + 1] as PsValue);
      }
      this.built = map;
      this.pairs = null;
    }
    return this.built;
  }
}

/** See the file comment. */
export class DictionaryStack {
  private global: PsDict = { k: 'dict', map: new Map() };
  private system: PsDict = { k: 'dict', map: new Map(), system: true };
  private stack: PsDict[] = [this.global];
  private overflow = 0;
  private journal: JournalEntry[] = [];
  private journaling = 0;
  /**
   * Every key stored so far in any dictionary that is or was on the stack: a name missing here is defined
   * nowhere on the stack, so the lookups of operator names (most of them) skip walking it. Keys are only ever
   * added (a dictionary changes only through {@link store} once it is on the stack), so the test is exact.
   */
  private everDefined = new Set<string>();
  private indexed = new WeakSet<PsDict>();

  constructor(
    private readonly budget: ItemBudget,
    private readonly onFull: () => void,
  ) {}

  get globalDict(): PsDict {
    return this.global;
  }

  get systemDict(): PsDict {
    return this.system;
  }

  /** A copy of this stack's state (see {@link ValueCopier}). */
  exportState(copy: ValueCopier): DictionaryStackState {
    const {
      global: globalDict,
      system: systemDict,
      stack,
      overflow,
      journal,
      journaling,
      everDefined,
    } = this;
    return copyStackState(
      { globalDict, systemDict, stack, overflow, journal, journaling, everDefined },
      copy,
    );
  }

  /**
   * Takes a copy of `state` as this stack's own. Which dictionaries had their keys added to {@link everDefined}
   * is not carried over: the set itself is, so it still holds every key of every dictionary on the stack, and a
   * dictionary begun again just adds its keys once more.
   */
  importState(state: DictionaryStackState, copy: ValueCopier): void {
    const own = copyStackState(state, copy);
    this.global = own.globalDict;
    this.system = own.systemDict;
    this.stack = own.stack;
    this.overflow = own.overflow;
    this.journal = own.journal;
    this.journaling = own.journaling;
    this.everDefined = own.everDefined;
    this.indexed = new WeakSet<PsDict>();
  }

  get current(): PsDict {
    return this.stack[this.stack.length - 1];
  }

  begin(dict: PsDict): void {
    if (this.stack.length < MAX_DICT_STACK) {
      this.index(dict);
      this.stack.push(dict);
    } else this.overflow += 1;
  }

  /** Adds the keys a dictionary holds before it first goes on the stack to {@link everDefined}. */
  private index(dict: PsDict): void {
    if (this.indexed.has(dict)) return;
    this.indexed.add(dict);
    for (const key of dict.map.keys()) this.everDefined.add(key);
  }

  end(): void {
    if (this.overflow > 0) this.overflow -= 1;
    else if (this.stack.length > 1) this.stack.pop();
  }

  lookup(name: string): PsValue | undefined {
    if (!this.everDefined.has(name)) return undefined;
    for (let i = this.stack.length - 1; i >= 0; i -= 1) {
      const value = this.stack[i].map.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** The topmost dictionary defining `name`. */
  holderOf(name: string): PsDict | undefined {
    if (!this.everDefined.has(name)) return undefined;
    for (let i = this.stack.length - 1; i >= 0; i -= 1) if (this.stack[i].map.has(name)) return this.stack[i];
    return undefined;
  }

  /** Stores `key` in `dict` (journaled while a `save` is open); false when the budget refused it. */
  store(dict: PsDict, key: string, value: PsValue): boolean {
    if (dict.system || dict.opaque) return false;
    const previous = dict.map.get(key);
    // A replaced value gives its items back, so a job redefining the same names page after page stays in budget.
    if (!this.budget.take(sizeOf(value) - (previous === undefined ? 0 : sizeOf(previous)))) {
      this.onFull();
      return false;
    }
    if (this.journaling > 0 && this.journal.length < MAX_JOURNAL)
      this.journal.push({ map: dict.map, key, previous });
    dict.map.set(key, value);
    this.everDefined.add(key);
    return true;
  }

  /** Opens a save level; returns the journal position that {@link revert} goes back to. */
  mark(): number {
    this.journaling += 1;
    return this.journal.length;
  }

  /** Undoes every definition journaled since `position`, closing `levels` save levels. */
  revert(position: number, levels: number): void {
    while (this.journal.length > position) {
      const entry = this.journal.pop() as JournalEntry;
      if (entry.previous === undefined) entry.map.delete(entry.key);
      else entry.map.set(entry.key, entry.previous);
    }
    this.journaling = Math.max(0, this.journaling - levels);
  }
}
