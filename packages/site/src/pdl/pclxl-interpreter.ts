/**
 * Interprets the PCL XL operator stream the tokenizer reports, as far as accounting needs: sessions and pages
 * (one page per EndPage, in the order printed), each page's set-up (pclxl-media.ts), whether it paints in colour
 * (pclxl-paint.ts, pclxl-raster.ts), and user-defined streams, which are recorded (within a byte budget) and
 * replayed at ExecStream exactly as a printer does, so pages and paint inside them count like any other.
 *
 * Operators out of sequence (a page outside a session, EndPage without BeginPage, an undefined stream) make a
 * printer abort the job; the analyser stops there too and reports what it counted as partial.
 */
import { type PageRecords, type PageSetup, readPageSetup } from './pclxl-media';
import { PaintTracker } from './pclxl-paint';
import { RasterColourProbe } from './pclxl-raster';
import { Attr, COMPRESS_NONE, Op } from './pclxl-tags';
import { PclXlTokenizer, type TokenHandler } from './pclxl-tokenizer';
import { type AttributeList, valueInteger, valueString } from './pclxl-values';

/** Budgets and the clock, from the analysis limits. */
export interface InterpreterOptions {
  /** Longest attribute array kept (bytes). */
  arrayCap: number;
  /** Widest image row decoded for colour (bytes). */
  rowBudget: number;
  /** Bytes of user-defined stream bodies kept for ExecStream. */
  streamBudget: number;
  /** True once the time limit has passed; checked while replaying streams. */
  outOfTime: () => boolean;
}

interface OpenPage {
  setup: PageSetup;
  colour: boolean;
  unknown: boolean;
}

interface StreamRecording {
  name: string;
  chunks: Uint8Array[];
  size: number;
  dropped: boolean;
}

type DataTarget = 'image' | 'pattern' | 'stream' | null;

/** Operators by what they do to the page: build the path, or paint a shape with brush and pen. */
const OPERATOR_KIND = new Uint8Array(256);
const BUILDS_PATH = 1;
const PAINTS_SHAPE = 2;
for (const op of [
  Op.ArcPath,
  Op.BezierPath,
  Op.BezierRelPath,
  Op.ChordPath,
  Op.EllipsePath,
  Op.LinePath,
  Op.LineRelPath,
  Op.PiePath,
  Op.RectanglePath,
  Op.RoundRectanglePath,
  Op.TextPath,
]) {
  OPERATOR_KIND[op] = BUILDS_PATH;
}
for (const op of [Op.Rectangle, Op.RoundRectangle, Op.Ellipse, Op.Chord, Op.Pie]) {
  OPERATOR_KIND[op] = PAINTS_SHAPE;
}
const MAX_STREAM_NESTING = 32;
const REPLAY_SLICE = 64 * 1024;
const MAX_WARNINGS = 50;

/** Receives tokens from one top-level tokenizer (and the nested ones of replayed streams). */
export class PclXlInterpreter implements TokenHandler {
  readonly records: PageRecords = { facts: [], copies: [] };
  readonly warnings: string[] = [];
  /** True when counting stopped short or had to skip part of the job: the page count is a floor. */
  partial = false;
  private readonly tokenizers: PclXlTokenizer[] = [];
  private readonly paint = new PaintTracker();
  private inSession = false;
  private page: OpenPage | null = null;
  private lastOperator = 0;
  private dataTarget: DataTarget = null;
  private image: RasterColourProbe | null = null;
  private pattern: { probe: RasterColourProbe | null; id: number | null; persistence: number | null } | null =
    null;
  private readonly streams = new Map<string, Uint8Array | null>();
  private streamBytes = 0;
  private recording: StreamRecording | null = null;

  constructor(private readonly options: InterpreterOptions) {}

  /** A tokenizer for the top-level stream, reporting to this interpreter. */
  createTokenizer(): PclXlTokenizer {
    const tokenizer = new PclXlTokenizer(this, this.options.arrayCap);
    this.tokenizers.push(tokenizer);
    return tokenizer;
  }

  /** Records a warning once (the list is capped: one broken job must not flood the report). */
  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS && !this.warnings.includes(message)) this.warnings.push(message);
  }

  /** The stream ended: says what was left open. Call once, after the last chunk. */
  finish(tokenizer: PclXlTokenizer): void {
    const cut = tokenizer.finish();
    if (tokenizer.failure) this.stopped(tokenizer.failure);
    if (cut) this.stopped(cut);
    if (tokenizer.headers === 0 && !tokenizer.failure) this.stopped('no PCL XL stream header was found');
    if (this.page) this.stopped('the last page has no EndPage and was not counted');
    if (this.inSession && !tokenizer.failure && !cut) this.stopped('the job ends without EndSession');
  }

  private stopped(reason: string): void {
    this.partial = true;
    this.warn(`PCL XL: ${reason}`);
  }

  /** Stops the innermost tokenizer: the operator sequence is one a printer would abort on. */
  private fail(reason: string): void {
    this.tokenizers[this.tokenizers.length - 1].stop(reason);
  }

  header(): void {
    this.dataTarget = null;
  }

  languageEnd(): void {
    if (this.page) this.fail('the language ends (UEL) inside a page');
    else if (this.inSession) this.warn('PCL XL: the language ends (UEL) inside a session');
    this.endSession();
  }

  /** The session's patterns and streams end with it (EndSession, or a UEL that cuts the session short). */
  private endSession(): void {
    this.inSession = false;
    this.paint.endSession();
    this.streams.clear();
    this.streamBytes = 0;
  }

  operator(tag: number, attributes: AttributeList): void {
    this.lastOperator = tag;
    const kind = OPERATOR_KIND[tag];
    if (kind === BUILDS_PATH) this.paint.addedPath();
    else if (kind === PAINTS_SHAPE) this.markPaint(true, true);
    else if (!this.controlOperator(tag, attributes)) this.paintOperator(tag, attributes);
  }

  /** Session, page and stream structure. Returns false for operators it does not handle. */
  private controlOperator(tag: number, attributes: AttributeList): boolean {
    switch (tag) {
      case Op.BeginSession:
        if (this.inSession) return this.failed('BeginSession inside a session');
        this.inSession = true;
        return true;
      case Op.EndSession:
        if (!this.inSession || this.page) return this.failed('EndSession outside a session or inside a page');
        this.endSession();
        return true;
      case Op.BeginPage:
        if (!this.inSession || this.page) return this.failed('BeginPage outside a session or inside a page');
        this.page = { setup: readPageSetup(attributes, (m) => this.warn(m)), colour: false, unknown: false };
        this.paint.beginPage();
        this.image = null;
        return true;
      case Op.EndPage:
        if (!this.page) return this.failed('EndPage without BeginPage');
        this.endPage(valueInteger(attributes.get(Attr.PageCopies)));
        return true;
      case Op.BeginStream:
        this.recording = { name: streamName(attributes), chunks: [], size: 0, dropped: false };
        return true;
      case Op.EndStream:
        this.endStream();
        return true;
      case Op.RemoveStream:
        this.removeStream(streamName(attributes));
        return true;
      case Op.ExecStream:
        this.execStream(streamName(attributes));
        return true;
      default:
        return false;
    }
  }

  private failed(reason: string): boolean {
    this.fail(reason);
    return true;
  }

  private endPage(copies: number | null): void {
    const page = this.page as OpenPage;
    this.page = null;
    const { setup } = page;
    this.records.facts.push({
      color: page.colour ? true : page.unknown ? null : false,
      paper: setup.paper,
      duplex: setup.duplex,
      mediaType: setup.mediaType,
    });
    this.records.copies.push(copies ?? setup.copies);
    this.paint.endPage();
  }

  /** Graphics state, paint and raster operators. */
  private paintOperator(tag: number, attributes: AttributeList): void {
    switch (tag) {
      case Op.PushGS:
        return this.paint.pushState();
      case Op.PopGS:
        return this.paint.popState();
      case Op.SetColorSpace:
        return this.paint.setColourSpace(attributes);
      case Op.SetBrushSource:
        return this.paint.setSource(true, attributes);
      case Op.SetPenSource:
        return this.paint.setSource(false, attributes);
      case Op.NewPath:
        return this.paint.newPath();
      case Op.PaintPath:
        if (this.paint.pathHasSegments) this.markPaint(true, true);
        return;
      case Op.Text:
      case Op.ScanLineRel:
        return this.markPaint(true, false);
      case Op.BeginImage:
        this.image = this.probe(attributes);
        return;
      case Op.ReadImage:
        this.image?.beginBlock(compressMode(attributes), padBytes(attributes));
        return this.mark(this.paint.imageBrushPaints());
      case Op.SetROP:
        return this.paint.setRop(attributes);
      case Op.EndImage:
        return this.endImage();
      default:
        return this.patternOperator(tag, attributes);
    }
  }

  private patternOperator(tag: number, attributes: AttributeList): void {
    if (tag === Op.BeginRastPattern) {
      const id = valueInteger(attributes.get(Attr.PatternDefineID));
      const persistence = valueInteger(attributes.get(Attr.PatternPersistence));
      this.pattern = { probe: this.probe(attributes), id, persistence };
    } else if (tag === Op.ReadRastPattern) {
      this.pattern?.probe?.beginBlock(compressMode(attributes), padBytes(attributes));
    } else if (tag === Op.EndRastPattern && this.pattern) {
      const { probe, id, persistence } = this.pattern;
      if (id !== null) this.paint.definePattern(id, probe ? probe.verdict : null, persistence);
      this.pattern = null;
    } else if (tag === Op.PassThrough) {
      this.warn('PCL XL: PassThrough (PCL 5) data is not analysed: colour of those pages is unknown');
      this.mark(null);
    }
  }

  /** A colour probe for an image or pattern in the current colour space (null: cannot be judged). */
  private probe(attributes: AttributeList): RasterColourProbe | null {
    const format = this.paint.rasterFormat(attributes);
    return format ? RasterColourProbe.for(format, this.options.rowBudget) : null;
  }

  private endImage(): void {
    this.markImagePixels();
    this.image = null;
  }

  /** The image's own pixels, when the ROP3 lets them show (an unjudgeable image makes the page unknown). */
  private markImagePixels(): void {
    if (this.paint.imagePixelsShow) this.mark(this.image ? this.image.verdict : null);
  }

  /** Notes the colour of painting with the brush and/or pen; once a page is colour, nothing can change that. */
  private markPaint(brush: boolean, pen: boolean): void {
    if (this.page && !this.page.colour) this.mark(this.paint.paints(brush, pen));
  }

  /** Notes a painting operation's colour on the open page (painting outside a page shows nowhere). */
  private mark(verdict: boolean | null): void {
    if (!this.page) return;
    if (verdict === true) this.page.colour = true;
    else if (verdict === null) this.page.unknown = true;
  }

  dataStart(): void {
    const op = this.lastOperator;
    if (op === Op.ReadImage && this.image?.wantsData) this.dataTarget = 'image';
    else if (op === Op.ReadRastPattern && this.pattern?.probe?.wantsData) this.dataTarget = 'pattern';
    else if (op === Op.ReadStream && this.recording) this.dataTarget = 'stream';
    else this.dataTarget = null;
  }

  data(bytes: Uint8Array, start: number, end: number): void {
    if (this.dataTarget === 'image') this.image?.feed(bytes, start, end);
    else if (this.dataTarget === 'pattern') this.pattern?.probe?.feed(bytes, start, end);
    else if (this.dataTarget === 'stream') this.record(bytes.subarray(start, end));
  }

  dataEnd(): void {
    // An image paints as its data arrives: a page may end before EndImage.
    if (this.dataTarget === 'image') this.markImagePixels();
    this.dataTarget = null;
  }

  private record(bytes: Uint8Array): void {
    const recording = this.recording as StreamRecording;
    if (recording.dropped) return;
    if (this.streamBytes + recording.size + bytes.length > this.options.streamBudget) {
      recording.dropped = true;
      recording.chunks = [];
      return;
    }
    // A copy: `bytes` is a view into the caller's reused read buffer (Buffer#slice would not copy).
    recording.chunks.push(new Uint8Array(bytes));
    recording.size += bytes.length;
  }

  private endStream(): void {
    const recording = this.recording;
    this.recording = null;
    if (!recording) return;
    this.removeStream(recording.name);
    if (recording.dropped) {
      this.streams.set(recording.name, null);
      return;
    }
    this.streams.set(recording.name, Buffer.concat(recording.chunks));
    this.streamBytes += recording.size;
  }

  private removeStream(name: string): void {
    this.streamBytes -= this.streams.get(name)?.length ?? 0;
    this.streams.delete(name);
  }

  /** ExecStream: replays the recorded stream through a nested tokenizer into this same interpreter. */
  private execStream(name: string): void {
    const body = this.streams.get(name);
    if (body === undefined) return this.fail(`ExecStream of an undefined stream "${name}"`);
    if (body === null) {
      this.partial = true;
      this.warn(
        `PCL XL: stream "${name}" is larger than the analysis buffer: its pages and colour are not counted`,
      );
      return this.mark(null);
    }
    if (this.tokenizers.length > MAX_STREAM_NESTING) return this.fail('streams nest more than 32 deep');
    const nested = new PclXlTokenizer(this, this.options.arrayCap);
    this.tokenizers.push(nested);
    for (let at = 0; at < body.length && nested.running; at += REPLAY_SLICE) {
      if (this.options.outOfTime()) nested.stop('the time limit was reached');
      else nested.push(body.subarray(at, at + REPLAY_SLICE));
    }
    this.tokenizers.pop();
    const cut = nested.finish();
    // Name only the innermost stream: a failure deep in nested replays would otherwise repeat every name.
    const failure = nested.failure;
    if (failure) this.fail(failure.startsWith('in stream') ? failure : `in stream "${name}": ${failure}`);
    else if (cut) this.warn(`PCL XL: stream "${name}": ${cut}`);
    else if (nested.headers === 0) this.warn(`PCL XL: stream "${name}" has no stream header and was not run`);
  }
}

function streamName(attributes: AttributeList): string {
  return valueString(attributes.get(Attr.StreamName)) ?? '';
}

function compressMode(attributes: AttributeList): number {
  return valueInteger(attributes.get(Attr.CompressMode)) ?? COMPRESS_NONE;
}

function padBytes(attributes: AttributeList): number {
  return valueInteger(attributes.get(Attr.PadBytesMultiple)) ?? 4;
}
