/**
 * The values of the PostScript analyser's interpreter, and the machine interface its operator tables are written
 * against (so those tables need not import the interpreter). Values are a reduced model of PostScript objects:
 * what the analyser cannot evaluate is `null` ("unknown"), and strings keep their bytes only when short.
 */
import { type ColourClass, type ColourSpace } from './postscript-colour';
import { type SkipCollector } from './postscript-skip';

export interface PsName {
  k: 'name';
  v: string;
}
/** An executable name inside a procedure body. */
export interface PsExec {
  k: 'exec';
  v: string;
}
export interface PsMark {
  k: 'mark';
}
export interface PsProc {
  k: 'proc';
  body: PsValue[];
  /** False when the body was cut at the memory budget: running it cannot be trusted. */
  complete: boolean;
  /** Made read-only by a `bind` it was nested in: later binds leave it alone (PLRM `bind`). */
  readOnly?: boolean;
}
export interface PsArray {
  k: 'array';
  items: PsValue[];
}
export interface PsDict {
  k: 'dict';
  map: Map<string, PsValue>;
  /** The system dictionary: its keys are the operators. */
  system?: boolean;
  /** A device dictionary (`statusdict`) whose contents depend on the printer: lookups in it are unknown. */
  opaque?: boolean;
}
export interface PsString {
  k: 'string';
  /** The string's bytes as latin1 characters, or null when it was too long to keep. */
  content: string | null;
}
/** `currentfile`, with the filters applied to it (`/ASCII85Decode filter`), outermost first. */
export interface PsFile {
  k: 'file';
  filters: string[];
  /** True when a filter was given a parameter dictionary (predictors, EarlyChange) the analyser does not keep. */
  parameters?: boolean;
}
/** An operator as a value (`/showpage load`, `//setrgbcolor`, a name bound by `bind`). */
export interface PsOperator {
  k: 'op';
  v: string;
}
/** A PDF indirect reference (`12 0 R`), in ghostscript's ps2write output. */
export interface PsRef {
  k: 'ref';
  num: number;
}
export interface PsSave {
  k: 'save';
  level: number;
}

export type PsValue =
  | number
  | boolean
  | null
  | PsName
  | PsExec
  | PsMark
  | PsProc
  | PsArray
  | PsDict
  | PsString
  | PsFile
  | PsOperator
  | PsRef
  | PsSave;

/** The current colour for filling and for stroking (one and the same in PostScript, two in PDF). */
export interface Paint {
  space: ColourSpace;
  cls: ColourClass;
}
export interface GraphicsState {
  fill: Paint;
  stroke: Paint;
}

/** How the operators see the page bookkeeping (see postscript-pages.ts). */
export interface PageSink {
  paint(cls: ColourClass): void;
  /**
   * A paint whose class is known only once the data the program reads has been seen (an image's pixels): the
   * returned function paints it. A page ejected before that counts it as colour.
   */
  deferPaint(): (cls: ColourClass) => void;
  /** An error nothing caught ended the job: later pages and paint do not count. */
  endJob(reason: string): void;
  eject(erase: boolean): void;
  undecidable(reason: string): void;
  /** The tokenizer may have lost its way (data of unknown length): the executed count is undecidable. */
  derailed(reason: string): void;
  setPaper(paper: string | null): void;
  setDuplex(duplex: boolean | null, tumble: boolean | null): void;
  setCopies(copies: number): void;
  /** Something the analyser had to skip or assume, for the warnings. */
  notice(message: string): void;
}

/** How the operators ask the tokenizer to pass over data the program reads itself. */
export interface DataSkipper {
  skipBytes(count: number): void;
  skipUntil(marker: string): void;
  skipHexDigits(count: number): void;
  skipInlineImage(): void;
  /** Hands the data of the skip just started to `collector` once the tokenizer has passed over it. */
  collectSkipped(collector: SkipCollector): void;
  /** After the scan may have been thrown off: runaway strings end at the next DSC page comment. */
  resynchroniseAtPages(): void;
  /** Skips to the end of the open `%%BeginData` section; false when there is none. */
  skipDataRegion(): boolean;
  /** Whether string tokens need their content (not for text shown in PDF content, which is most strings). */
  keepStringContent(keep: boolean): void;
}

export type ExitSignal = 'exit' | 'stop' | null;

/** The interpreter as the operator tables use it. */
export interface PsMachine {
  readonly stack: PsValue[];
  push(value: PsValue): void;
  /** The top operand, or null (unknown) on underflow. */
  pop(): PsValue;
  popNumber(): number | null;
  /** Pops `count` operands, returned bottom first; missing ones are null. */
  popMany(count: number): PsValue[];
  clearToMark(): void;
  lookup(name: string): PsValue | undefined;
  define(key: string, value: PsValue): void;
  store(dict: PsDict, key: string, value: PsValue): void;
  /** The topmost dictionary on the dictionary stack that defines `name`. */
  holderOf(name: string): PsDict | undefined;
  beginDict(dict: PsDict): void;
  endDict(): void;
  readonly currentDict: PsDict;
  readonly globalDict: PsDict;
  readonly systemDict: PsDict;
  save(): PsSave;
  restore(save: PsValue): void;
  /** Runs a procedure; a value that is not a procedure is pushed (or executed, for an operator). */
  execValue(value: PsValue): void;
  /** Runs procedures whose running cannot be decided (unknown condition or count): see the interpreter. */
  speculate(procs: PsProc[], reason: string): void;
  /** Replaces names bound to operators by the operators (PLRM `bind`). */
  bind(proc: PsProc): void;
  isOperator(name: string): boolean;
  unwinding: ExitSignal;
  /** The PostScript error being raised (`execstackoverflow`) while `unwinding` is 'stop'; null for a plain `stop`. */
  raisedError: string | null;
  readonly speculative: boolean;
  readonly speculationReason: string;
  graphics: GraphicsState;
  gsave(): void;
  grestore(): void;
  readonly pages: PageSink;
  readonly data: DataSkipper;
  /** The scan may have lost its way (data of unknown length): counts are undecidable, scanning resyncs at pages. */
  derailed(reason: string): void;
}

export type Builtin = (ps: PsMachine) => void;

/**
 * Copies the interpreter's values for a snapshot of its state and back (postscript-clone.ts): containers a job can
 * change (procedures, arrays, dictionaries) are copied, once each, so sharing and cycles survive; values no
 * operator changes are shared. A copy is filled in only when the copier finishes, so callers just hand it on.
 */
export interface ValueCopier {
  value(value: PsValue): PsValue;
  /** A dictionary's map (one map may be referred to from several places, as by the `save` journal). */
  map(map: Map<string, PsValue>): Map<string, PsValue>;
}

export const MARK: PsMark = { k: 'mark' };

export function isProc(value: PsValue): value is PsProc {
  return value !== null && typeof value === 'object' && value.k === 'proc';
}
export function isDict(value: PsValue): value is PsDict {
  return value !== null && typeof value === 'object' && value.k === 'dict';
}
export function isArray(value: PsValue): value is PsArray {
  return value !== null && typeof value === 'object' && value.k === 'array';
}
export function isName(value: PsValue): value is PsName {
  return value !== null && typeof value === 'object' && value.k === 'name';
}
export function isMark(value: PsValue): value is PsMark {
  return value !== null && typeof value === 'object' && value.k === 'mark';
}
export function asNumber(value: PsValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The key a value stands for in a dictionary (names and strings), or null. */
export function keyOf(value: PsValue): string | null {
  if (isName(value)) return value.v;
  if (value !== null && typeof value === 'object' && value.k === 'string' && value.content !== null) {
    return value.content;
  }
  return null;
}

/** `dict[key]` for a dictionary value, or undefined. */
export function dictGet(dict: PsValue | undefined, key: string): PsValue | undefined {
  return dict !== undefined && isDict(dict) ? dict.map.get(key) : undefined;
}

/** The numbers of an array value (null for entries that are not numbers), or null when it is not an array. */
export function numberArray(value: PsValue | undefined): (number | null)[] | null {
  if (value === undefined || !isArray(value)) return null;
  return value.items.map((item) => asNumber(item));
}
