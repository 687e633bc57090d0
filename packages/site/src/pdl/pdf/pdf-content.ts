/**
 * Scans a content stream (§8–9) for paint in colour. Setting a colour is not enough to count a page as colour:
 * only painting with it is (a fill, a stroke, visible text, an image, a shading), so the scanner keeps the fill
 * and stroke colour of the graphics state (saved and restored by `q`/`Q`) and marks a verdict each time something
 * is painted; it stops at the first paint in colour. Resource lookups go through a {@link PaintResolver}, so this
 * module knows nothing about the document.
 *
 * The content arrives as one buffer or as chunks (a long content stream is inflated piece by piece). A token cut
 * by the end of a chunk is lexed again once the next chunk is appended; only the unfinished tail is carried over,
 * so memory stays at about one chunk. An inline image is carried over whole (they are small by design).
 */
import type { PdfBudget } from './pdf-budget';
import { CMYK, type ColourSpace, GREY, RGB } from './pdf-colour';
import { readInlineImage } from './pdf-inline-image';
import { opCode, PdfLexer, Tok } from './pdf-lexer';
import {
  combineMarks,
  MARK_COLOUR,
  MARK_OF_STATE,
  MARK_UNKNOWN,
  MONO,
  type PaintResolver,
  stateOf,
  UNKNOWN,
  type XObjectPaint,
} from './pdf-paint';

interface GraphicsState {
  fill: number;
  stroke: number;
  fillSpace: ColourSpace;
  strokeSpace: ColourSpace;
  textMode: number;
}

/** Colours a scan starts with: black on a page, the caller's colours (inherited) in a form. */
export interface InitialColours {
  fill: number;
  stroke: number;
  space: ColourSpace;
}

const MAX_OPERANDS = 64;
const MAX_SAVES = 256;
// A token or inline image longer than this is not carried from chunk to chunk: the scan skips past it.
const MAX_CARRY = 4 * 1024 * 1024;
const OPERATORS = `q Q g G rg RG k K cs CS sc SC scn SCN f F f* S s B B* b b* Tr Tj TJ ' " Do sh BI`.split(
  ' ',
);
const OP = Object.fromEntries(OPERATORS.map((name) => [name, opCode(name)]));

// Reused arrays of each length for the operands a colour space reads: nothing is allocated per operator, nor per
// scan (a document has a scan per page and per form). Shared by all scans: each array is filled and read within
// one synchronous operator, never across an await.
const SCRATCH = Array.from({ length: MAX_OPERANDS + 1 }, (_, n) => new Array<number>(n).fill(0));

/** The colour state right after `cs`/`CS` selects `space` (§8.6.8: black, tint 1, palette index 0, no pattern). */
function initialState(space: ColourSpace): number {
  if (space.family === 'Pattern') return MONO;
  const tints = space.family.startsWith('Separation') || space.family === 'DeviceN';
  return stateOf(space.colourOf(new Array<number>(space.components).fill(tints ? 1 : 0)));
}

/** The bytes being scanned: one buffer, topped up from the chunk source when a token runs off its end. */
class ContentInput {
  buf: Buffer;
  final: boolean;
  overflowed = false;
  private readonly chunks: AsyncIterator<Buffer> | null;

  constructor(content: Buffer | AsyncIterable<Buffer>) {
    const whole = Buffer.isBuffer(content);
    this.buf = whole ? content : Buffer.alloc(0);
    this.final = whole;
    this.chunks = whole ? null : content[Symbol.asyncIterator]();
  }

  /** Stops the chunk source early (the scan found colour): releases its file reads and inflater. */
  async close(): Promise<void> {
    await this.chunks?.return?.();
  }

  /** Keeps the bytes from `from` on and appends the next chunk (or notes that there is none). */
  async refill(from: number): Promise<void> {
    let keep = from;
    if (this.buf.length - from > MAX_CARRY) {
      keep = this.buf.length;
      this.overflowed = true;
    }
    const next = this.chunks ? await this.chunks.next() : { done: true as const, value: undefined };
    if (next.done) this.final = true;
    const tail = this.buf.subarray(keep);
    this.buf = next.done ? tail : tail.length > 0 ? Buffer.concat([tail, next.value]) : next.value;
  }
}

/** One content stream's scan: the graphics state, the operand stack and the marks so far. */
class ContentScanner {
  private lx: PdfLexer;
  private readonly operands = new Float64Array(MAX_OPERANDS);
  private count = 0;
  private nameStart = -1;
  private nameEnd = -1;
  private heldName: string | null = null;
  private gs: GraphicsState;
  private readonly saved: GraphicsState[] = [];
  private unsavedDepth = 0;
  marks = 0;

  constructor(
    private readonly input: ContentInput,
    private readonly resolver: PaintResolver,
    initial: InitialColours,
    private readonly budget: PdfBudget,
  ) {
    this.lx = new PdfLexer(input.buf);
    const { fill, stroke, space } = initial;
    this.gs = { fill, stroke, fillSpace: space, strokeSpace: space, textMode: 0 };
  }

  /** Scans to the end of the content or to the first paint in colour. */
  async run(): Promise<number> {
    for (;;) {
      const lx = this.lx;
      const save = lx.pos;
      lx.atLimit = false;
      const tok = lx.next();
      if (lx.atLimit && !this.input.final) {
        await this.refill(save);
        continue;
      }
      if (tok === Tok.EOF) break;
      if (tok === Tok.Number) {
        if (this.count < MAX_OPERANDS) this.operands[this.count++] = lx.num;
      } else if (tok === Tok.Name) {
        this.nameStart = lx.start;
        this.nameEnd = lx.pos;
        this.heldName = null;
      } else if (tok === Tok.Keyword) {
        this.budget.tick();
        const op = lx.keywordCode();
        if (op === OP.BI) {
          if (!(await this.inlineImage(save))) continue;
        } else {
          const pending = this.operator(op);
          if (pending) await pending;
        }
        this.count = 0;
        this.nameStart = -1;
        if (this.marks & MARK_COLOUR) break;
      }
    }
    if (this.input.overflowed) {
      this.resolver.warn(
        'A PDF content stream holds a token or inline image too large to examine; it was skipped.',
      );
      this.marks |= MARK_UNKNOWN;
    }
    return this.marks;
  }

  private async refill(from: number): Promise<void> {
    // The pending name operand points into the old buffer: keep its text.
    if (this.nameStart >= 0) {
      this.heldName = this.lx.nameBetween(this.nameStart, this.nameEnd);
      this.nameStart = -2;
    }
    await this.input.refill(from);
    this.lx = new PdfLexer(this.input.buf);
  }

  private name(): string | null {
    if (this.nameStart === -1) return null;
    return this.heldName ?? this.lx.nameBetween(this.nameStart, this.nameEnd);
  }

  /** The last `n` operands (fewer when fewer were given) in a reused array; colour spaces read it and let go. */
  private last(n: number): number[] {
    const take = Math.min(n, this.count);
    const out = SCRATCH[take];
    for (let i = 0; i < take; i += 1) out[i] = this.operands[this.count - take + i];
    return out;
  }

  private paint(state: number): undefined {
    this.marks |= MARK_OF_STATE[state];
    return undefined;
  }

  /** Handles `BI ... EI`; false when the image runs past the buffer and more content was fetched to retry. */
  private async inlineImage(save: number): Promise<boolean> {
    const image = readInlineImage(this.lx, this.input.final);
    if (image === 'incomplete') {
      await this.refill(save);
      return false;
    }
    if (image) {
      const state = await this.resolver.inlineImage(image);
      this.paint(state === 'stencil' ? this.gs.fill : state);
    }
    return true;
  }

  /** Handles one operator; returns a promise only when it needs a resource looked up. */
  private operator(op: number): Promise<void> | undefined {
    const gs = this.gs;
    switch (op) {
      case OP.q:
        if (this.saved.length < MAX_SAVES) this.saved.push({ ...gs });
        else this.unsavedDepth += 1;
        return undefined;
      case OP.Q:
        if (this.unsavedDepth > 0) this.unsavedDepth -= 1;
        else this.gs = this.saved.pop() ?? gs;
        return undefined;
      case OP.f:
      case OP.F:
      case OP['f*']:
        return this.paint(gs.fill);
      case OP.S:
      case OP.s:
        return this.paint(gs.stroke);
      case OP.B:
      case OP['B*']:
      case OP.b:
      case OP['b*']:
        this.paint(gs.fill);
        return this.paint(gs.stroke);
      case OP.Tr:
        gs.textMode = this.count > 0 ? this.operands[this.count - 1] : 0;
        return undefined;
      case OP.Tj:
      case OP.TJ:
      case OP["'"]:
      case OP['"']:
        return this.paintText();
      case OP.g:
      case OP.rg:
      case OP.k:
        gs.fillSpace = op === OP.g ? GREY : op === OP.rg ? RGB : CMYK;
        gs.fill = stateOf(gs.fillSpace.colourOf(this.last(gs.fillSpace.components)));
        return undefined;
      case OP.G:
      case OP.RG:
      case OP.K:
        gs.strokeSpace = op === OP.G ? GREY : op === OP.RG ? RGB : CMYK;
        gs.stroke = stateOf(gs.strokeSpace.colourOf(this.last(gs.strokeSpace.components)));
        return undefined;
      case OP.sc:
      case OP.scn:
        if (gs.fillSpace.family === 'Pattern') return this.patternColour(true);
        gs.fill = stateOf(gs.fillSpace.colourOf(this.last(gs.fillSpace.components)));
        return undefined;
      case OP.SC:
      case OP.SCN:
        if (gs.strokeSpace.family === 'Pattern') return this.patternColour(false);
        gs.stroke = stateOf(gs.strokeSpace.colourOf(this.last(gs.strokeSpace.components)));
        return undefined;
      case OP.cs:
      case OP.CS:
      case OP.Do:
      case OP.sh:
        return this.resourceOperator(op);
      default:
        return undefined;
    }
  }

  /** `cs`/`CS`, `Do` and `sh`: operators that name a resource. */
  private async resourceOperator(op: number): Promise<void> {
    const gs = this.gs;
    const name = this.name();
    if (name === null) return;
    if (op === OP.cs || op === OP.CS) {
      const space = await this.resolver.colourSpace(name);
      if (op === OP.cs) [gs.fillSpace, gs.fill] = [space, initialState(space)];
      else [gs.strokeSpace, gs.stroke] = [space, initialState(space)];
    } else if (op === OP.Do) {
      this.marks |= this.xobjectMarks(await this.resolver.xobject(name));
    } else {
      this.paint(await this.resolver.shading(name));
    }
  }

  /** `scn`/`SCN` in a Pattern space: the pattern decides (with the operands, for an uncoloured one). */
  private async patternColour(fill: boolean): Promise<void> {
    const space = fill ? this.gs.fillSpace : this.gs.strokeSpace;
    const name = this.name();
    const values = [...this.last(this.count)];
    const state =
      name === null ? UNKNOWN : await this.resolver.pattern(name, values, space.patternBase ?? null);
    if (fill) this.gs.fill = state;
    else this.gs.stroke = state;
  }

  /** Text render modes (§9.3.6): 0, 2, 4, 6 fill; 1, 2, 5, 6 stroke; 3 and 7 paint nothing. */
  private paintText(): undefined {
    const mode = this.gs.textMode;
    if (mode === 0 || mode === 2 || mode === 4 || mode === 6) this.paint(this.gs.fill);
    if (mode === 1 || mode === 2 || mode === 5 || mode === 6) this.paint(this.gs.stroke);
    return undefined;
  }

  private xobjectMarks(xobject: XObjectPaint): number {
    switch (xobject.kind) {
      case 'image':
        return MARK_OF_STATE[xobject.state];
      case 'stencil':
        return MARK_OF_STATE[this.gs.fill];
      case 'form':
        return combineMarks(xobject.marks, this.gs.fill, this.gs.stroke);
      default:
        return 0;
    }
  }
}

/**
 * Scans content (one buffer, or chunks in order) and returns the marks of what was painted, stopping at the first
 * paint in colour. Throws {@link PdfStop} when the deadline passes.
 */
export async function scanContent(
  content: Buffer | AsyncIterable<Buffer>,
  resolver: PaintResolver,
  initial: InitialColours,
  budget: PdfBudget,
): Promise<number> {
  const input = new ContentInput(content);
  try {
    return await new ContentScanner(input, resolver, initial, budget).run();
  } finally {
    await input.close();
  }
}
