/**
 * The PCL 5 interpreter behind the scanner: it keeps only the state that decides what a printer prints, page
 * by page. The page rules are ghostpcl's (pcl/pcl/pcpage.c, pcjob.c, pcursor.c), which HP printers match:
 * - a form feed, or a line feed below the text area, always ejects a page, blank or not;
 * - `ESC E`, a UEL, and the commands that "go to the next page" (`ESC &l#A` page size, `&l#H` paper source,
 *   `&l#S` duplex, `&l#O` orientation, `&l#M` media type, `&a#G` side, `*o#Q` quality) eject it only when
 *   something was drawn on it: text, a rule (`*c#P`), raster (from `*r#A`), transparent data, HP-GL/2 ink;
 * - the end of the data ejects a drawn page as the end of the job would.
 * Each page records the paper, duplex mode and copies in force when it is ejected, and whether it painted
 * colour. Macros (`ESC &f#X`) are recorded and replayed, two levels deep at most, as PCL allows; an overlay
 * macro runs at each page end for its colour only.
 */
import type { DuplexMode } from './pdl-types';
import { dispatchCommand, type Pcl5Machine } from './pcl5-commands';
import { Pcl5Colour } from './pcl5-color';
import { TextCursor } from './pcl5-cursor';
import { HpglParser } from './pcl5-hpgl';
import { DEFAULT_PAGE_HEIGHT, type Pcl5PageSize } from './pcl5-media';
import { RasterDecoder } from './pcl5-raster';
import { Pcl5Scanner, type Pcl5ScannerOptions } from './pcl5-scanner';
import { commandKey, type Pcl5Command, type Pcl5Sink } from './pcl5-syntax';

/** One ejected page of one copy. */
export interface Pcl5Page {
  color: boolean | null;
  paper: string | null;
  duplex: DuplexMode | null;
  copies: number | null;
}

const MAX_MACRO_DEPTH = 2;
const MAX_MACROS = 1024;
const FF = 0x0c;
const LF = 0x0a;
const CR = 0x0d;
const RASTER_ROW = commandKey('*', 'b', 'W');
const RASTER_PLANE = commandKey('*', 'b', 'V');
const CONFIGURE_IMAGE_DATA = commandKey('*', 'v', 'W');

/** Options of the interpreter. */
export interface Pcl5InterpreterOptions extends Pcl5ScannerOptions {
  /** Called now and then (macro replays); true stops the analysis. */
  shouldStop: () => boolean;
}

/** Interprets one PCL 5 stream; feed it through {@link scanner}, then call {@link finish}. */
export class Pcl5Interpreter implements Pcl5Sink, Pcl5Machine {
  readonly pages: Pcl5Page[] = [];
  readonly warnings = new Set<string>();
  readonly colour = new Pcl5Colour();
  readonly cursor = new TextCursor();
  readonly raster = new RasterDecoder();
  /** The language a `@PJL ENTER LANGUAGE` switched to, when not PCL. */
  switchedTo: string | null = null;
  /** True when the analysis stopped before the end (time limit). */
  stoppedEarly = false;
  scanner: Pcl5Scanner;
  marked = false;
  pageSize: Pcl5PageSize | null = null;
  copies: number | null = null;
  duplex: DuplexMode | null = null;
  lineTermination = 0;
  inRaster = false;
  rasterRows = 0;
  rasterResolution = 75;
  orientation = 0;
  unitCentipoints = 24;
  rule: [number, number] = [0, 0];
  customSize: [number, number] | null = null;
  whitePattern = false;
  private pageColour = false;
  private pageColourUnknown = false;
  private rasterColour: boolean | null = false;
  private readonly hpglParser: HpglParser;
  private readonly macros = new Map<number, Buffer | null>();
  private readonly permanentMacros = new Set<number>();
  macroId = 0;
  overlay = false;
  private depth = 0;
  private overlayRunning = false;
  private macroCalls = 0;

  constructor(private readonly options: Pcl5InterpreterOptions) {
    this.scanner = new Pcl5Scanner(this, options);
    this.hpglParser = new HpglParser({
      draw: (pen) => this.mark(this.colour.penIsColour(pen)),
      penColor: (pen, rgb) => this.colour.setPenColour(pen, rgb),
      pens: (count) => this.colour.setPenCount(count),
    });
  }

  /** Note something an admin should know (deduplicated). */
  warn(message: string): void {
    this.warnings.add(message);
  }

  /** The data ended (or the analysis stopped): a drawn page is ejected as the end of the job would. */
  finish(): void {
    this.scanner.finish();
    this.endPage(false);
  }

  /** Something was drawn; `colour` true when in colour, null when its colour cannot be told. */
  mark(colour: boolean | null): void {
    this.marked = true;
    if (colour === true) this.pageColour = true;
    else if (colour === null) this.pageColourUnknown = true;
  }

  /** Text, rules and transparent data paint in colour now. */
  get inkIsColour(): boolean {
    return !this.whitePattern && this.colour.foregroundIsColour;
  }

  /** `ESC &a#W`: a new logical page throws away what was drawn, unprinted. */
  erasePage(): void {
    this.marked = false;
    this.pageColour = false;
    this.pageColourUnknown = false;
  }

  /** Eject the page: always (form feed), or only when something was drawn on it. */
  endPage(always: boolean): void {
    if (this.overlayRunning || (!always && !this.marked)) return;
    if (this.inRaster) this.endRaster();
    if (this.overlay && this.depth === 0) this.runOverlay();
    this.pages.push({
      color: this.pageColour ? true : this.pageColourUnknown ? null : false,
      paper: this.pageSize?.name ?? null,
      duplex: this.duplex,
      copies: this.copies,
    });
    this.marked = false;
    this.pageColour = false;
    this.pageColourUnknown = false;
  }

  /** `ESC E` or a UEL: eject a drawn page, then everything back to the defaults. */
  reset(): void {
    if (this.depth > 0) return;
    this.endPage(false);
    this.pageSize = null;
    this.copies = null;
    this.duplex = null;
    this.lineTermination = 0;
    this.overlay = false;
    this.inRaster = false;
    this.colour.reset();
    this.cursor.reset(DEFAULT_PAGE_HEIGHT);
    this.hpglParser.reset();
    for (const id of [...this.macros.keys()]) if (!this.permanentMacros.has(id)) this.macros.delete(id);
    this.orientation = 0;
    this.unitCentipoints = 24;
    this.rule = [0, 0];
    this.customSize = null;
    this.whitePattern = false;
  }

  /** Start raster graphics (`ESC *r#A`, or implicitly by raster data): the page counts as drawn. */
  startRaster(): void {
    if (this.inRaster) return;
    this.inRaster = true;
    this.rasterRows = 0;
    this.raster.start(this.colour.rasterPlanes);
    this.rasterColour = this.colour.rasterMayBeColour;
    this.mark(this.rasterColour === null ? null : false);
  }

  /** End raster graphics: the cursor moves below the rows sent. */
  endRaster(): void {
    if (!this.inRaster) return;
    this.inRaster = false;
    if (this.raster.unsupported && this.rasterColour !== false) this.mark(null);
    this.cursor.advance((this.rasterRows * 7200) / this.rasterResolution);
  }

  // ---- Pcl5Sink ----

  text(buf: Uint8Array, start: number, end: number, display: boolean): void {
    if (display) {
      for (let i = start; i < end; i += 1) if (buf[i] === CR) this.ejects(this.cursor.lineFeed(1));
      this.mark(this.inkIsColour);
      return;
    }
    if (this.marked && (this.pageColour || !this.inkIsColour)) return;
    for (let i = start; i < end; i += 1) {
      const code = buf[i];
      if ((code > 0x20 && code < 0x7f) || (code >= 0x80 && code !== 0xa0)) {
        this.mark(this.inkIsColour);
        return;
      }
    }
  }

  control(code: number): void {
    if (code === FF) {
      this.endPage(true);
      this.cursor.home();
    } else if (code === LF) {
      this.ejects(this.cursor.lineFeed(1));
    } else if (code === CR && (this.lineTermination === 1 || this.lineTermination === 3)) {
      this.ejects(this.cursor.lineFeed(1));
    }
  }

  escape(code: number): void {
    if (code === 0x45 /* E */) this.reset();
    else if (code === 0x3d /* = */) this.ejects(this.cursor.lineFeed(0.5));
  }

  command(cmd: Pcl5Command): void {
    dispatchCommand(this, cmd);
  }

  wantsPayload(cmd: Pcl5Command, length: number): boolean {
    if (cmd.key === CONFIGURE_IMAGE_DATA) return length <= 1024;
    if (cmd.key === RASTER_ROW || cmd.key === RASTER_PLANE) return this.decodingRaster();
    return false;
  }

  payload(cmd: Pcl5Command, data: Buffer): void {
    if (cmd.key === CONFIGURE_IMAGE_DATA) {
      if (this.inRaster) this.endRaster();
      this.colour.configureImageData(data);
    } else this.rasterData(data, cmd.key === RASTER_ROW);
  }

  hpgl(buf: Uint8Array, start: number, end: number): void {
    this.hpglParser.feed(buf, start, end);
  }

  exitLanguage(): void {
    this.reset();
  }

  otherLanguage(language: string): void {
    if (this.depth > 0) return;
    this.switchedTo = language;
    this.warn(`the job switches to ${language} after its PCL part; only the PCL pages are counted here`);
  }

  // ---- raster ----

  /** Raster rows are decoded only while they could still turn the page to colour. */
  decodingRaster(): boolean {
    return this.inRaster && this.rasterColour === true && !this.pageColour;
  }

  /** A raster row or plane of `data` (empty rows come through here too, to keep delta seeds right). */
  rasterData(data: Uint8Array, lastPlane: boolean): void {
    this.raster.transfer(data, lastPlane, (planes, spans) => {
      if (!this.pageColour && this.colour.rowHasColour(planes, spans)) this.mark(true);
    });
  }

  private ejects(count: number): void {
    if (count > 0 && !this.pageSize) {
      this.warn('lines ran past the page bottom with no page size set: a Letter page length was assumed');
    }
    for (let i = 0; i < count; i += 1) this.endPage(true);
  }

  // ---- macros ----

  /** `ESC &f#X`: define, run, overlay, delete or keep macros. */
  macroControl(operation: number): void {
    if (this.scanner.recordingMacro) {
      if (operation === 1) this.storeMacro(this.scanner.endMacroRecording());
      return;
    }
    if (operation === 0 && this.depth === 0) this.scanner.beginMacroRecording();
    else if (operation === 2) this.runMacro(this.macroId, 'execute');
    else if (operation === 3) this.runMacro(this.macroId, 'call');
    else if (operation === 4) this.overlay = true;
    else if (operation === 5) this.overlay = false;
    else if (operation === 6) this.macros.clear();
    else if (operation === 7) {
      for (const id of [...this.macros.keys()]) if (!this.permanentMacros.has(id)) this.macros.delete(id);
    } else if (operation === 8) this.macros.delete(this.macroId);
    else if (operation === 9) this.permanentMacros.delete(this.macroId);
    else if (operation === 10) this.permanentMacros.add(this.macroId);
  }

  private storeMacro(body: Buffer | null): void {
    if (body === null) this.warn('a PCL macro was too large to keep; pages that run it are counted as drawn');
    if (this.macros.size < MAX_MACROS || this.macros.has(this.macroId)) this.macros.set(this.macroId, body);
  }

  private runOverlay(): void {
    this.overlayRunning = true;
    try {
      this.runMacro(this.macroId, 'overlay');
    } finally {
      this.overlayRunning = false;
    }
  }

  /**
   * Run a macro's body through a scanner of its own. `execute` leaves its changes in place; `call` and
   * `overlay` give the caller its colour state back, as the printer saves and restores its state around them.
   */
  private runMacro(id: number, mode: 'execute' | 'call' | 'overlay'): void {
    if (!this.macros.has(id) || this.depth >= MAX_MACRO_DEPTH) return;
    this.macroCalls += 1;
    if (this.macroCalls % 16 === 0 && this.options.shouldStop()) {
      this.stoppedEarly = true;
      this.scanner.stop();
      return;
    }
    const body = this.macros.get(id);
    if (!body) {
      if (mode !== 'overlay') this.mark(null);
      return;
    }
    const outer = this.scanner;
    const saved =
      mode === 'execute' ? null : { colour: this.colour.snapshot(), whitePattern: this.whitePattern };
    this.scanner = new Pcl5Scanner(this, this.options);
    this.depth += 1;
    try {
      this.scanner.feed(body);
      this.scanner.finish();
    } finally {
      this.depth -= 1;
      this.scanner = outer;
      if (saved) {
        this.colour.restore(saved.colour);
        this.whitePattern = saved.whitePattern;
      }
    }
  }
}
