/**
 * The state of the PostScript analyser's interpreter that operators read and change directly: the operand stack,
 * the graphics state and its `gsave` stack, `save`/`restore` levels, and the dictionaries (postscript-dicts.ts).
 * Kept apart from execution (postscript-interp.ts), which only adds how names and procedures run.
 *
 * Every stack is capped against a hostile job: the operand stack drops its older half when full (values far down
 * are rarely used, and are unknown from then on), `gsave` and `save` past their caps are ignored.
 */
import { DictionaryStack, type DictionaryStackState, ItemBudget } from './postscript-dicts';
import { initialGraphics } from './postscript-graphics';
import {
  type GraphicsState,
  isMark,
  type PageSink,
  type PsDict,
  type PsSave,
  type PsValue,
  type ValueCopier,
} from './postscript-values';

const MAX_STACK = 10_000;
const MAX_GSAVE_DEPTH = 1_000;
const MAX_SAVE_LEVELS = 256;

interface SaveFrame {
  journalPosition: number;
  graphics: GraphicsState;
  gstackLength: number;
}

/**
 * What a {@link PsState} holds, for a snapshot. Graphics states and save frames are never changed once made (an
 * operator makes a new one), so they are shared, not copied.
 */
export interface MachineState {
  stack: PsValue[];
  graphics: GraphicsState;
  gstack: GraphicsState[];
  saves: SaveFrame[];
  dicts: DictionaryStackState;
  budgetSpent: number;
}

/** See the file comment; the interpreter extends it. */
export class PsState {
  readonly stack: PsValue[] = [];
  graphics: GraphicsState = initialGraphics();
  protected readonly budget: ItemBudget;
  private readonly gstack: GraphicsState[] = [];
  private readonly saves: SaveFrame[] = [];
  private readonly dicts: DictionaryStack;

  /** `itemBudget` bounds the items (procedure-body entries, definitions) kept in memory. */
  constructor(
    readonly pages: PageSink,
    itemBudget: number,
  ) {
    this.budget = new ItemBudget(itemBudget);
    this.dicts = new DictionaryStack(this.budget, () =>
      this.pages.notice('the job defines more than the memory budget allows; later definitions were ignored'),
    );
  }

  /** A copy of this state (see {@link ValueCopier}). */
  protected exportMachine(copy: ValueCopier): MachineState {
    return {
      stack: this.stack.map((value) => copy.value(value)),
      graphics: this.graphics,
      gstack: [...this.gstack],
      saves: [...this.saves],
      dicts: this.dicts.exportState(copy),
      budgetSpent: this.budget.spent,
    };
  }

  /** Takes a copy of `state` as this state's own. */
  protected importMachine(state: MachineState, copy: ValueCopier): void {
    this.stack.length = 0;
    for (const value of state.stack) this.stack.push(copy.value(value));
    this.graphics = state.graphics;
    this.gstack.length = 0;
    this.gstack.push(...state.gstack);
    this.saves.length = 0;
    this.saves.push(...state.saves);
    this.dicts.importState(state.dicts, copy);
    this.budget.restore(state.budgetSpent);
  }

  get globalDict(): PsDict {
    return this.dicts.globalDict;
  }

  get systemDict(): PsDict {
    return this.dicts.systemDict;
  }

  get currentDict(): PsDict {
    return this.dicts.current;
  }

  push(value: PsValue): void {
    if (this.stack.length >= MAX_STACK) this.stack.splice(0, MAX_STACK / 2);
    this.stack.push(value);
  }

  pop(): PsValue {
    return this.stack.length > 0 ? (this.stack.pop() as PsValue) : null;
  }

  popNumber(): number | null {
    const value = this.pop();
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  popMany(count: number): PsValue[] {
    const values = new Array<PsValue>(count).fill(null);
    for (let i = count - 1; i >= 0 && this.stack.length > 0; i -= 1) values[i] = this.stack.pop() as PsValue;
    return values;
  }

  clearToMark(): void {
    let at = this.stack.length;
    while (at > 0 && !isMark(this.stack[at - 1])) at -= 1;
    this.stack.length = at;
  }

  lookup(name: string): PsValue | undefined {
    return this.dicts.lookup(name);
  }

  holderOf(name: string): PsDict | undefined {
    return this.dicts.holderOf(name);
  }

  beginDict(dict: PsDict): void {
    this.dicts.begin(dict);
  }

  endDict(): void {
    this.dicts.end();
  }

  define(key: string, value: PsValue): void {
    this.store(this.dicts.current, key, value);
  }

  store(dict: PsDict, key: string, value: PsValue): void {
    if (this.dicts.store(dict, key, value) && key === '#copies' && typeof value === 'number') {
      this.pages.setCopies(value);
    }
  }

  save(): PsSave {
    if (this.saves.length >= MAX_SAVE_LEVELS) return { k: 'save', level: -1 };
    this.saves.push({
      journalPosition: this.dicts.mark(),
      graphics: this.graphics,
      gstackLength: this.gstack.length,
    });
    return { k: 'save', level: this.saves.length };
  }

  restore(save: PsValue): void {
    const level =
      save !== null && typeof save === 'object' && save.k === 'save' ? save.level : this.saves.length;
    if (level < 1 || level > this.saves.length) return;
    const frame = this.saves[level - 1];
    this.dicts.revert(frame.journalPosition, this.saves.length - level + 1);
    this.graphics = frame.graphics;
    this.gstack.length = Math.min(this.gstack.length, frame.gstackLength);
    this.saves.length = level - 1;
  }

  gsave(): void {
    if (this.gstack.length < MAX_GSAVE_DEPTH) this.gstack.push(this.graphics);
  }

  grestore(): void {
    const floor = this.saves.length > 0 ? this.saves[this.saves.length - 1].gstackLength : 0;
    if (this.gstack.length > floor) this.graphics = this.gstack.pop() as GraphicsState;
  }
}
