/**
 * A small PostScript interpreter for accounting: it runs the program's tokens far enough to see which pages are
 * ejected (`showpage`, also through procedures like `/EP { showpage } def`), what colour each page paints in, and
 * what the page device is asked for. It models the operand stack, the dictionary stack with `save`/`restore`,
 * procedures, `bind`, conditions and loops; everything else is an unknown operator, which clears its operands.
 *
 * Where the program's path cannot be decided (a condition on a value the interpreter cannot compute, a loop of
 * unknown count), the branch is run "speculatively": definitions it makes are kept, a `showpage` in it makes the
 * page count undecidable, colour it paints is unknown. The analyser then prefers DSC comments (see postscript.ts).
 *
 * Calls nest at most {@link MAX_EXEC_DEPTH} deep, as the execution stack of a real interpreter is bounded: one
 * more raises `execstackoverflow`, which `stopped` catches as in PostScript. Uncaught (like a `stop` or `exit`
 * with nothing to catch it), the error ends the job as a printer ends it: the pages shown before it count,
 * nothing after it runs (postscript-pages.ts). So a procedure that calls itself and shows a page each time gives
 * a fixed count, not one that grows until the deadline. Inside a speculative branch, the overflow unwinds every
 * enclosing branch (a `stopped` there does not catch it): that branch may not run at all, and running it on
 * would only multiply the work.
 *
 * Work is bounded: per-loop iteration cap, the execution depth, caps on nesting and on the stacks, a memory
 * budget for stored procedure bodies and definitions, and the job deadline, checked every 16 384 steps.
 */
import { type ColourClass } from './postscript-colour';
import { GRAPHICS_OPERATORS } from './postscript-graphics';
import { IMAGE_OPERATORS } from './postscript-images';
import { type PsToken, TokenKind } from './postscript-tokens';
import { BASIC_OPERATORS } from './postscript-operators';
import { PROGRAM_DATA_OPERATORS } from './postscript-program-data';
import { type MachineState, PsState } from './postscript-state';
import {
  type Builtin,
  type DataSkipper,
  type ExitSignal,
  type GraphicsState,
  isProc,
  type PageSink,
  type PsMachine,
  type PsOperator,
  type PsProc,
  type PsValue,
  type ValueCopier,
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

/**
 * One value per operator, shared by every procedure `bind` or `//name` puts it in: operator values are never
 * changed, and values compare by name (`eq`), so sharing them is invisible, and saves an object per bound name.
 */
const OPERATOR_VALUES = new Map<string, PsOperator>(
  [...BUILTINS.keys()].map((name): [string, PsOperator] => [name, { k: 'op', v: name }]),
);

/**
 * Procedure calls (and executable names run through a value) nested at once. PLRM 3rd ed. Appendix B gives 250
 * as the execution stack limit of printers; ghostscript's MaxExecStack is 5000 entries, but the interpreter
 * recurses in JavaScript, several frames per call, and 250 levels stay well inside Node's default stack.
 */
export const MAX_EXEC_DEPTH = 250;
const MAX_PROC_NESTING = 256;
const DEADLINE_CHECK_MASK = 0x3fff;

interface OpenBody {
  items: PsValue[];
  complete: boolean;
}

/** The interpreter's state between two top-level tokens, for the prolog cache (postscript-prolog-feeder.ts). */
export interface InterpreterState extends MachineState {
  steps: number;
}

/** See the file comment. Feed it tokens with {@link token}. */
export class PsInterpreter extends PsState implements PsMachine {
  unwinding: ExitSignal = null;
  raisedError: string | null = null;
  /** Why the current branch runs speculatively, for the warning a `showpage` in it raises. */
  speculationReason = '';
  nameHook: NameHook | null = null;
  readonly data: DataSkipper;
  private readonly bodies: OpenBody[] = [];
  /** `{` seen past {@link MAX_PROC_NESTING}: counted so their `}` balance, their contents dropped. */
  private nestingOverflow = 0;
  private depth = 0;
  private speculation = 0;
  private steps = 0;
  /** Why the job ended before its end (an uncaught error), or null while it runs. */
  private endReason: string | null = null;

  constructor(private readonly options: InterpreterOptions) {
    super(options.pages, options.itemBudget);
    this.data = options.data;
  }

  get speculative(): boolean {
    return this.speculation > 0;
  }

  /**
   * True between top-level tokens with nothing under way: no procedure body open, no call, branch or error
   * unwinding, the job not ended. Then {@link exportState} holds everything the interpreter will act on.
   */
  get quiescent(): boolean {
    return (
      this.bodies.length === 0 &&
      this.nestingOverflow === 0 &&
      this.depth === 0 &&
      this.speculation === 0 &&
      this.unwinding === null &&
      this.raisedError === null &&
      this.endReason === null
    );
  }

  /** A copy of the state of a {@link quiescent} interpreter (see {@link ValueCopier}). */
  exportState(copy: ValueCopier): InterpreterState {
    return { ...this.exportMachine(copy), steps: this.steps };
  }

  /** Takes a copy of `state` as this (fresh) interpreter's own. */
  importState(state: InterpreterState, copy: ValueCopier): void {
    this.importMachine(state, copy);
    this.steps = state.steps;
  }

  /** True once an uncaught error ended the job: the rest of the program is not run. */
  get ended(): boolean {
    return this.endReason !== null;
  }

  /** Executes (or, inside `{ }`, stores) one token from the tokenizer. */
  token(token: PsToken): void {
    // A printer flushes what follows an error that ended the job.
    if (this.endReason !== null) return;
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
        break;
      default:
        if (this.bodies.length > 0) this.append(this.itemFor(token));
        else this.execItem(this.itemFor(token));
    }
    if (this.unwinding !== null) this.endJob();
  }

  /** An error, `stop` or `exit` reached the top level with nothing to catch it: the job ends there. */
  private endJob(): void {
    const reason =
      this.raisedError !== null
        ? `${this.raisedError} (procedure calls nest deeper than ${MAX_EXEC_DEPTH})`
        : this.unwinding === 'stop'
          ? 'stop outside any stopped context'
          : 'invalidexit (exit outside any loop)';
    this.unwinding = null;
    this.raisedError = null;
    this.stack.length = 0;
    this.endReason = reason;
    this.pages.endJob(reason);
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
    return OPERATOR_VALUES.get(name) ?? { k: 'exec', v: name };
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
      if (value.k === 'exec') return this.execAlias(value.v);
    }
    this.push(value);
  }

  /** A name whose value is an executable name (`/a /b cvx def`) nests like a call: `/a /a cvx def a` recurses. */
  private execAlias(name: string): void {
    if (this.depth >= MAX_EXEC_DEPTH) return this.execStackOverflow();
    this.depth += 1;
    try {
      this.execName(name);
    } finally {
      this.depth -= 1;
    }
  }

  private call(proc: PsProc): void {
    if (this.depth >= MAX_EXEC_DEPTH) return this.execStackOverflow();
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

  private execStackOverflow(): void {
    if (this.speculative) {
      this.pages.undecidable(
        `procedure calls nest deeper than ${MAX_EXEC_DEPTH} in a branch the scanner cannot evaluate`,
      );
    }
    this.raisedError = 'execstackoverflow';
    this.unwinding = 'stop';
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
        // An overflow unwinds every enclosing speculative branch (see the file comment).
        if (this.raisedError !== null && this.speculation > 1) break;
        this.unwinding = null;
        this.raisedError = null;
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
   * Procedures a program nests deeper than the tokenizer allows (built at run time) are bound to that depth.
   */
  bind(proc: PsProc, level = 0): void {
    const body = proc.body;
    for (let index = 0; index < body.length; index += 1) {
      const item = body[index];
      if (item === null || typeof item !== 'object') continue;
      if (item.k === 'proc') {
        if (item.readOnly) continue;
        item.readOnly = true;
        if (level < MAX_PROC_NESTING) this.bind(item, level + 1);
      } else if (item.k === 'exec') {
        const defined = this.lookup(item.v);
        const value = defined === undefined ? OPERATOR_VALUES.get(item.v) : defined;
        if (value !== undefined && value !== null && typeof value === 'object' && value.k === 'op') {
          body[index] = value;
        }
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
}

const unknownClass: ColourClass = 'unknown';
