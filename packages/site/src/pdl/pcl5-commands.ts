/**
 * What each PCL 5 parameterised command does to the state that counting needs: page control (size, source,
 * orientation, duplex, copies), the cursor and margins (line-feed ejects), raster graphics, rules, colour and
 * palettes, macros. Commands that only change how things look (fonts, pitch, horizontal moves) are not listed;
 * the scanner has already skipped their data. Values come as parsed (possibly fractional, negative, huge):
 * every handler validates its range as HP's reference does, and ignores the command otherwise.
 */
import type { DuplexMode } from './pdl-types';
import type { Pcl5Colour } from './pcl5-color';
import type { TextCursor } from './pcl5-cursor';
import { DEFAULT_PAGE_HEIGHT, pageSizeForCode, type Pcl5PageSize } from './pcl5-media';
import type { RasterDecoder } from './pcl5-raster';
import { commandKey, type Pcl5Command } from './pcl5-syntax';

/** The interpreter state the command handlers read and change. */
export interface Pcl5Machine {
  readonly colour: Pcl5Colour;
  readonly cursor: TextCursor;
  readonly raster: RasterDecoder;
  marked: boolean;
  pageSize: Pcl5PageSize | null;
  orientation: number;
  copies: number | null;
  duplex: DuplexMode | null;
  lineTermination: number;
  inRaster: boolean;
  rasterRows: number;
  rasterResolution: number;
  unitCentipoints: number;
  rule: [number, number];
  customSize: [number, number] | null;
  whitePattern: boolean;
  macroId: number;
  /** True when text, rules and transparent data paint in colour now. */
  readonly inkIsColour: boolean;
  mark(colour: boolean | null): void;
  endPage(always: boolean): void;
  erasePage(): void;
  startRaster(): void;
  endRaster(): void;
  decodingRaster(): boolean;
  rasterData(data: Uint8Array, lastPlane: boolean): void;
  macroControl(operation: number): void;
  warn(message: string): void;
}

type Handler = (m: Pcl5Machine, value: number, cmd: Pcl5Command) => void;

const DUPLEX_MODES: Record<number, DuplexMode> = { 0: 'simplex', 1: 'long-edge', 2: 'short-edge' };
const MAX_COPIES = 32767;
const LETTER_WIDTH = 8.5 * 7200;

/** The height of the logical page: landscape orientations (1, 3) turn the paper. */
export function logicalHeight(m: Pcl5Machine): number {
  const width = m.pageSize?.width ?? LETTER_WIDTH;
  const height = m.pageSize?.height ?? DEFAULT_PAGE_HEIGHT;
  return m.orientation % 2 === 1 ? width : height;
}

function ejects(m: Pcl5Machine, count: number): void {
  for (let i = 0; i < count; i += 1) m.endPage(true);
}

function setPageSize(m: Pcl5Machine, value: number): void {
  m.endPage(false);
  const code = Math.trunc(value);
  const size = pageSizeForCode(code, m.customSize);
  if (!size) {
    m.warn(`unknown PCL page size code ${code}: the previous paper size is kept`);
    m.cursor.home();
    return;
  }
  m.pageSize = size;
  m.cursor.setPage(logicalHeight(m));
}

function setOrientation(m: Pcl5Machine, value: number): void {
  const orientation = Math.trunc(value);
  if (orientation < 0 || orientation > 3 || orientation === m.orientation) return;
  m.endPage(false);
  m.orientation = orientation;
  m.cursor.setPage(logicalHeight(m), true);
}

function setDuplex(m: Pcl5Machine, value: number): void {
  nextPage(m);
  const mode = DUPLEX_MODES[Math.trunc(value)];
  if (mode) m.duplex = mode;
}

/** Finish a drawn page and start the next one at its top, as the "go to the next page" commands do. */
function nextPage(m: Pcl5Machine): void {
  m.endPage(false);
  m.cursor.home();
}

// Commands that go to the next page within their valid range only.
function nextPageWithin(min: number, max: number): Handler {
  return (m, value) => {
    if (value >= min && value <= max) nextPage(m);
  };
}

function setUnitOfMeasure(m: Pcl5Machine, value: number): void {
  const units = Math.min(7200, Math.max(96, Math.trunc(value)));
  m.unitCentipoints = 7200 / units;
}

function rasterTransfer(lastPlane: boolean): Handler {
  return (m, value) => {
    if (!m.inRaster) m.startRaster();
    if (lastPlane) m.rasterRows += 1;
    // Rows without data still count for the delta-row seeds.
    if (value < 1 && m.decodingRaster()) m.rasterData(new Uint8Array(0), lastPlane);
  };
}

function fillRule(m: Pcl5Machine, value: number): void {
  if (m.rule[0] <= 0 || m.rule[1] <= 0) return;
  // Pattern 1 erases (paints white); the others paint with the foreground colour.
  m.mark(Math.trunc(value) === 1 ? false : m.inkIsColour);
}

function changePalette(m: Pcl5Machine, change: (colour: Pcl5Colour) => void): void {
  // A palette change is not allowed inside raster graphics: it ends them first.
  if (m.inRaster) m.endRaster();
  change(m.colour);
}

const HANDLERS = new Map<number, Handler>([
  [commandKey('&', 'l', 'A'), setPageSize],
  [commandKey('&', 'l', 'H'), nextPage],
  [commandKey('&', 'l', 'O'), setOrientation],
  [commandKey('&', 'l', 'M'), nextPageWithin(0, 4)],
  [commandKey('&', 'l', 'S'), setDuplex],
  [commandKey('&', 'a', 'G'), nextPage],
  [commandKey('*', 'o', 'Q'), nextPageWithin(-1, 1)],
  [
    commandKey('&', 'l', 'X'),
    (m, v) => {
      if (v >= 1) m.copies = Math.min(MAX_COPIES, Math.trunc(v));
    },
  ],
  [
    commandKey('&', 'a', 'W'),
    (m, v) => {
      if (v === 4 || v === 10) m.erasePage();
    },
  ],
  [commandKey('&', 'f', 'I'), (m, v) => (m.customSize = [Math.abs(v), m.customSize?.[1] ?? 0])],
  [commandKey('&', 'f', 'J'), (m, v) => (m.customSize = [m.customSize?.[0] ?? 0, Math.abs(v)])],
  [commandKey('&', 'u', 'D'), setUnitOfMeasure],
  [
    commandKey('&', 'k', 'G'),
    (m, v) => {
      if (v >= 0 && v <= 3) m.lineTermination = Math.trunc(v);
    },
  ],
  [commandKey('&', 'l', 'E'), (m, v) => m.cursor.setTopMargin(Math.trunc(v), m.marked)],
  [commandKey('&', 'l', 'F'), (m, v) => m.cursor.setTextLength(Math.trunc(Math.abs(v)))],
  [commandKey('&', 'l', 'C'), (m, v) => m.cursor.setVmi(Math.abs(v) * 150)],
  [
    commandKey('&', 'l', 'D'),
    (m, v) => {
      if (v > 0) m.cursor.setVmi(7200 / v);
    },
  ],
  [
    commandKey('&', 'l', 'L'),
    (m, v) => {
      if (v === 0 || v === 1) m.cursor.setPerforationSkip(v === 1);
    },
  ],
  [commandKey('&', 'a', 'R'), (m, v, cmd) => ejects(m, m.cursor.moveRows(v, cmd.signed))],
  [commandKey('&', 'a', 'V'), (m, v, cmd) => m.cursor.moveTo(v * 10, cmd.signed)],
  [commandKey('*', 'p', 'Y'), (m, v, cmd) => m.cursor.moveTo(v * m.unitCentipoints, cmd.signed)],
  [commandKey('*', 'r', 'A'), (m) => m.startRaster()],
  [commandKey('*', 'r', 'B'), (m) => m.endRaster()],
  [commandKey('*', 'r', 'C'), (m) => m.endRaster()],
  [commandKey('*', 'b', 'M'), (m, v) => (m.raster.compression = Math.trunc(v))],
  [
    commandKey('*', 'b', 'Y'),
    (m, v) => {
      if (!m.inRaster) return;
      m.raster.clearSeeds();
      m.rasterRows += Math.max(0, Math.trunc(v));
    },
  ],
  [commandKey('*', 'b', 'W'), rasterTransfer(true)],
  [commandKey('*', 'b', 'V'), rasterTransfer(false)],
  [
    commandKey('*', 't', 'R'),
    (m, v) => {
      if (v > 0) m.rasterResolution = v;
    },
  ],
  [commandKey('*', 'r', 'U'), (m, v) => changePalette(m, (c) => c.simpleColour(Math.trunc(v)))],
  [commandKey('*', 't', 'J'), (m, v) => m.colour.setRenderAlgorithm(Math.trunc(v))],
  [commandKey('*', 'v', 'A'), (m, v) => m.colour.setComponent(0, v)],
  [commandKey('*', 'v', 'B'), (m, v) => m.colour.setComponent(1, v)],
  [commandKey('*', 'v', 'C'), (m, v) => m.colour.setComponent(2, v)],
  [commandKey('*', 'v', 'I'), (m, v) => changePalette(m, (c) => c.assignIndex(Math.trunc(v)))],
  [commandKey('*', 'v', 'S'), (m, v) => m.colour.selectForeground(Math.trunc(v))],
  [commandKey('*', 'v', 'T'), (m, v) => (m.whitePattern = Math.trunc(v) === 1)],
  [commandKey('&', 'p', 'I'), (m, v) => m.colour.setPaletteControlId(Math.trunc(v))],
  [commandKey('&', 'p', 'C'), (m, v) => changePalette(m, (c) => c.paletteControl(Math.trunc(v)))],
  [commandKey('&', 'p', 'S'), (m, v) => changePalette(m, (c) => c.selectPalette(Math.trunc(v)))],
  [commandKey('&', 'b', 'M'), (m, v) => m.colour.setMonochromeMode(Math.trunc(v))],
  [commandKey('*', 'c', 'A'), (m, v) => (m.rule[0] = Math.abs(v) * m.unitCentipoints)],
  [commandKey('*', 'c', 'H'), (m, v) => (m.rule[0] = Math.abs(v) * 10)],
  [commandKey('*', 'c', 'B'), (m, v) => (m.rule[1] = Math.abs(v) * m.unitCentipoints)],
  [commandKey('*', 'c', 'V'), (m, v) => (m.rule[1] = Math.abs(v) * 10)],
  [commandKey('*', 'c', 'P'), fillRule],
  [
    commandKey('&', 'p', 'X'),
    (m, v) => {
      if (v >= 1) m.mark(m.inkIsColour);
    },
  ],
  [commandKey('&', 'f', 'Y'), (m, v) => (m.macroId = Math.trunc(v))],
  [commandKey('&', 'f', 'X'), (m, v) => m.macroControl(Math.trunc(v))],
]);

/** Apply one parameterised command to the machine; unknown commands change nothing. */
export function dispatchCommand(m: Pcl5Machine, cmd: Pcl5Command): void {
  HANDLERS.get(cmd.key)?.(m, cmd.value, cmd);
}
