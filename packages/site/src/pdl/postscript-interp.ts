/**
 * A small PostScript interpreter for accounting: it runs the program's tokens far enough to see which pages are
 * ejected (`showpage`, also through procedures like `/EP { showpage } def`), what colour each page paints in, and
 * what the page device is asked for. It models the operand stack, the dictionary stack with `save`/`restore`,
 * procedures, `bind`, conditions and loops; everything else is an unknown operator, which clears its operands.
 *
 * Where the program's path cannot be decided (a condition on a value the interpreter cannot compute, a loop of
 * unknown count, recursion too deep), the branch is run "speculatively": definitions it makes are kept, a
 * `showpage` in it makes the page count undecidable, colour it paints is unknown. The analyser then prefers
 * DSC comments (see postscript.ts). Work is bounded: per-loop iteration cap, call depth cap, caps on nesting and on
 * the stacks, a memory budget for stored procedure bodies and definitions, and the job deadline, checked every
 * 16 384 steps.
 */
import { type ColourClass } from './postscript-colour';
import { DictionaryStack, ItemBudget } from './postscript-dicts';
import { GRAPHICS_OPERATORS, initialGraphics } from './postscript-graphics';
import { IMAGE_OPERATORS } from './postscript-images';
import { type PsToken, TokenKind } from './postscript-lexer';
import { BASIC_OPERATORS } from './postscript-operators';
import { PROGRAM_DATA_OPERATORS } from './postscript-program-data';
import {
  type Builtin,
  type DataSkipper,
  type ExitSignal,
  type GraphicsState,
  isMark,
  isProc,
  type PageSink,
  type PsDict,
  type PsMachine,
  type PsProc,
  type PsSave,
  type PsValue,
} from './postscript-values';

/** Thrown out of the interpreter when the job's deadline passes; the analyser turns it into `partial`. */
export class DeadlineReached extends Error {
  constructor() {
    super('PostScript analysis reached its time limit');
  }
}

/** Takes names before the dictionaries do: the PDF objects and content of ghostscript's ps2write output. */
export interface NameHook {
  /** Returns true when it handled `name` (executed at top level). */
  handles(name: string, ps: PsInterpreter): boolean;
}

/** What the interpreter needs from the analyser. */
export interface InterpreterOptions {
  deadline: number;
  /** Most items (procedure-body entries, definitions and their array/dictionary entries) kept in memory. */
  itemBudget: number;
  pages: PageSink;
  data: DataSkipper;
}

const BUILTINS = new Map<string, Builtin>(
  Object.entries({
    ...BASIC_OPERATORS,
    ...GRAPHICS_OPERATORS,
    ...IMAGE_OPERATORS,
    ...PROGRAM_DATA_OPERATORS,
  }),
);

const MAX_CALL_DEPTH = 100;
const MAX_STACK = 10_000;
const MAX_GSAVE_DEPTH = 1_000;
const MAX_SAVE_LEVELS = 256;
const MAX_PROC_NESTING = 256;
const DEADLINE_CHECK_MASK = 0x3fff;

interface SaveFrame {
  journalPosition: number;
  graphics: GraphicsState;
  gstackLength: number;
}
interface OpenBody {
  items: PsValue[];
  complete: boolean;
}

/** See the file comment. Feed it tokens with {@link token}. */
export class PsInterpreter implements PsMachine {
  readonly stack: PsValue[] = [];
  graphics: GraphicsState = initialGraphics();
  unwinding: ExitSignal = null;
  /** Why the current branch runs speculatively, for the warning a `showpage` in it raises. */
  speculationReason = '';
  nameHook: NameHook | null = null;
  readonly pages: PageSink;
  readonly data: DataSkipper;
  private readonly gstack: GraphicsState[] = [];
  private readonly saves: SaveFrame[] = [];
  private readonly bodies: OpenBody[] = [];
  /** `{` seen past {@link MAX_PROC_NESTING}: counted so their `}` balance, their contents dropped. */
  private nestingOverflow = 0;
  private depth = 0;
  private speculation = 0;
  private steps = 0;
  private readonly budget: ItemBudget;
  private readonly dicts: DictionaryStack;

  constructor(private readonly options: InterpreterOptions) {
    this.pages = options.pages;
    this.data = options.data;
    this.budget = new ItemBudget(options.itemBudget);
    this.dicts = new DictionaryStack(this.budget, () =>
      this.pages.notice('the job defines more than the memory budget allows; later definitions were ignored'),
    );
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

  get speculative(): boolean {
    return this.speculation > 0;
  }

  /** Executes (or, inside `{ }`, stores) one token from the tokenizer. */
  token(token: PsToken): void {
    switch (token.kind) {
      case TokenKind.ProcOpen:
        if (this.bodies.length < MAX_PROC_NESTING) this.bodies.push({ items: [], complete: true });
        else {
          this.nestingOverflow += 1;
          this.bodies[this.bodies.length - 1].complete = false;
        }
        return;
      case TokenKind.ProcClose: {
        if (this.nestingOverflow > 0) {
          this.nestingOverflow -= 1;
          return;
        }
        const body = this.bodies.pop();
        if (!body) return;
        const proc: PsProc = { k: 'proc', body: body.items, complete: body.complete };
        if (this.bodies.length > 0) this.append(proc);
        else this.push(proc);
        return;
      }
      case TokenKind.Name:
        if (this.bodies.length > 0) this.append({ k: 'exec', v: token.text });
        else this.execName(token.text);
        return;
      default:
        if (this.bodies.length > 0) this.append(this.itemFor(token));
        else this.execItem(this.itemFor(token));
    }
  }

  private itemFor(token: PsToken): PsValue {
    switch (token.kind) {
      case TokenKind.Number:
        return token.value;
      case TokenKind.String:
        return { k: 'string', content: token.content };
      case TokenKind.Literal:
        return { k: 'name', v: token.text };
      case TokenKind.Immediate:
        return this.immediate(token.text);
      case TokenKind.ArrayOpen:
        return { k: 'exec', v: '[' };
      case TokenKind.ArrayClose:
        return { k: 'exec', v: ']' };
      case TokenKind.DictOpen:
        return { k: 'exec', v: '<<' };
      default:
        return { k: 'exec', v: '>>' };
    }
  }

  /** `//name`: the name's value now; an operator stays executable, a procedure becomes a literal. */
  private immediate(name: string): PsValue {
    const value = this.lookup(name);
    if (value !== undefined) return value;
    return BUILTINS.has(name) ? { k: 'op', v: name } : { k: 'exec', v: name };
  }

  private append(item: PsValue): void {
    const body = this.bodies[this.bodies.length - 1];
    if (this.nestingOverflow > 0 || !this.budget.take(1)) {
      body.complete = false;
      return;
    }
    body.items.push(item);
  }

  /** Counts one step of work; every 16 384 steps, checks the deadline. */
  private tick(): void {
    if ((++this.steps & DEADLINE_CHECK_MASK) === 0 && Date.now() > this.options.deadline) {
      throw new DeadlineReached();
    }
  }

  private execItem(item: PsValue): void {
    this.tick();
    if (item !== null && typeof item === 'object') {
      if (item.k === 'exec') return this.execName(item.v);
      if (item.k === 'op') return this.execOperator(item.v);
    }
    this.push(item);
  }

  /** Executes a name as the interpreter would: hook, then dictionaries, then operators; unknown clears operands. */
  execName(name: string): void {
    if (this.nameHook && this.depth === 0 && this.nameHook.handles(name, this)) return;
    const value = this.lookup(name);
    if (value !== undefined) this.execValue(value);
    else this.execOperator(name);
  }

  private execOperator(name: string): void {
    const builtin = BUILTINS.get(name);
    if (builtin) builtin(this);
    else this.clearToMark();
  }

  execValue(value: PsValue): void {
    if (isProc(value)) return this.call(value);
    if (value !== null && typeof value === 'object') {
      if (value.k === 'op') return this.execOperator(value.v);
      if (value.k === 'exec') return this.execName(value.v);
    }
    this.push(value);
  }

  private call(proc: PsProc): void {
    if (this.depth >= MAX_CALL_DEPTH) {
      this.pages.undecidable(`procedure calls nest deeper than ${MAX_CALL_DEPTH}`);
      return;
    }
    if (!proc.complete) this.pages.undecidable('a procedure was too large to keep within the memory budget');
    this.tick(); // an empty body run in a loop must still reach the deadline check
    this.depth += 1;
    try {
      for (const item of proc.body) {
        this.execItem(item);
        if (this.unwinding) break;
      }
    } finally {
      this.depth -= 1;
    }
  }

  speculate(procs: PsProc[], reason: string): void {
    const height = this.stack.length;
    const before = this.graphics;
    const deltas: number[] = [];
    const outerReason = this.speculationReason;
    this.speculation += 1;
    this.speculationReason = reason;
    try {
      for (const proc of procs) {
        this.call(proc);
        this.unwinding = null;
        deltas.push(this.stack.length - height);
        this.stack.length = Math.min(this.stack.length, height);
      }
    } finally {
      this.speculation -= 1;
      this.speculationReason = outerReason;
    }
    // Branches that agree on their stack effect leave that many unknown results; otherwise nothing is known.
    const delta = deltas.every((d) => d === deltas[0]) ? (deltas[0] ?? 0) : 0;
    if (delta < 0) this.stack.length = Math.max(0, height + delta);
    for (let i = 0; i < delta; i += 1) this.push(null);
    this.blurColour(before);
  }

  /** After a branch that may or may not run: a colour it changed is unknown from here on. */
  private blurColour(before: GraphicsState): void {
    const fill =
      this.graphics.fill === before.fill ? before.fill : { space: before.fill.space, cls: unknownClass };
    const stroke =
      this.graphics.stroke === before.stroke
        ? before.stroke
        : { space: before.stroke.space, cls: unknownClass };
    this.graphics = { fill, stroke };
  }

  /**
   * PLRM `bind`: operator names become operators in `proc` and, recursively, in its nested procedures, which it
   * makes read-only; a read-only one is left alone, as in PostScript, so each is walked once (and loops end).
   */
  bind(proc: PsProc): void {
    const body = proc.body;
    for (let index = 0; index < body.length; index += 1) {
      const item = body[index];
      if (item === null || typeof item !== 'object') continue;
      if (item.k === 'proc') {
        if (item.readOnly) continue;
        item.readOnly = true;
        this.bind(item);
      } else if (item.k === 'exec') {
        const value = this.lookup(item.v);
        if (value === undefined && BUILTINS.has(item.v)) body[index] = { k: 'op', v: item.v };
        else if (value !== null && typeof value === 'object' && value.k === 'op') body[index] = value;
      }
    }
  }

  derailed(reason: string): void {
    this.data.resynchroniseAtPages();
    this.pages.derailed(reason);
  }

  isOperator(name: string): boolean {
    return BUILTINS.has(name);
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

const unknownClass: ColourClass = 'unknown';
