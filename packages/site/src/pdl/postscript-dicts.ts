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
import { isArray, isDict, type PsDict, type PsValue } from './postscript-values';

const MAX_DICT_STACK = 256;
const MAX_JOURNAL = 200_000;

/** A count of stored items against a limit, shared by everything the interpreter keeps. */
export class ItemBudget {
  private used = 0;
  constructor(private readonly limit: number) {}

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

/** How many items a stored value holds, for the budget. */
function sizeOf(value: PsValue): number {
  if (isArray(value)) return 1 + value.items.length;
  if (isDict(value)) return 1 + value.map.size;
  return 1;
}

/** See the file comment. */
export class DictionaryStack {
  readonly globalDict: PsDict = { k: 'dict', map: new Map() };
  readonly systemDict: PsDict = { k: 'dict', map: new Map(), system: true };
  private readonly stack: PsDict[] = [this.globalDict];
  private overflow = 0;
  private readonly journal: JournalEntry[] = [];
  private journaling = 0;

  constructor(
    private readonly budget: ItemBudget,
    private readonly onFull: () => void,
  ) {}

  get current(): PsDict {
    return this.stack[this.stack.length - 1];
  }

  begin(dict: PsDict): void {
    if (this.stack.length < MAX_DICT_STACK) this.stack.push(dict);
    else this.overflow += 1;
  }

  end(): void {
    if (this.overflow > 0) this.overflow -= 1;
    else if (this.stack.length > 1) this.stack.pop();
  }

  lookup(name: string): PsValue | undefined {
    for (let i = this.stack.length - 1; i >= 0; i -= 1) {
      const value = this.stack[i].map.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** The topmost dictionary defining `name`. */
  holderOf(name: string): PsDict | undefined {
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
