/**
 * PWG raster (PWG 5102.4) and its parent, CUPS raster: a 4-byte sync word, then per page a fixed header
 * (`cups_page_header2_t`, 1796 bytes; 420 bytes for CUPS raster v1) followed by the page's pixels. Pages are
 * counted by walking each page's data to the next header (see raster-lines.ts), since no length is stored.
 *
 * Accepted sync words: `RaS2` (PWG raster, compressed; `2SaR` little-endian), `RaS3`/`3SaR` (CUPS v3,
 * uncompressed) and `RaSt`/`tSaR` (CUPS v1, uncompressed, short header).
 *
 * Colour: the header names a colour space (cupsColorSpace). Black, sGray and one-colorant spaces are mono. For
 * 8- and 16-bit RGB and CMY(K) spaces the pixels themselves are inspected while walking, so a grey document
 * rendered in sRGB (as iOS and driverless clients do) counts as mono, within the tolerance of raster-lines.ts. A
 * CMYK page whose greys were separated into rich black (C+M+Y+K) is colour: the printer spends colour toner on it.
 * Other colour spaces (Lab, XYZ, ICC-n, DeviceN, sub-byte colour) are colour from the header alone, which may
 * overcount a grey page.
 * Duplex and Tumble give the duplex mode, PageSize (points) the paper, NumCopies the copies.
 */
import { mediaNameForPoints, mediaNameForMm } from './media';
import { type AnalysisLimits, type DuplexMode, type LanguageAnalysis, type PdlSource } from './pdl-types';
import { type ChromaTest, type RasterGeometry } from './raster-lines';
import { type RasterFormat, type RasterPage, walkRasterPages } from './raster-stream';

const HEADER_V2_BYTES = 1796;
const HEADER_V1_BYTES = 420;

// Byte offsets inside cups_page_header2_t (after the sync word).
const OFF_DUPLEX = 272;
const OFF_HW_RESOLUTION = 276;
const OFF_NUM_COPIES = 340;
const OFF_PAGE_SIZE = 352;
const OFF_TUMBLE = 368;
const OFF_WIDTH = 372;
const OFF_HEIGHT = 376;
const OFF_BITS_PER_COLOR = 384;
const OFF_BITS_PER_PIXEL = 388;
const OFF_BYTES_PER_LINE = 392;
const OFF_COLOR_ORDER = 396;
const OFF_COLOR_SPACE = 400;
const OFF_TOTAL_PAGE_COUNT = 452;

const CHUNKY = 0;
// A header whose line is longer than this (a 1200 dpi, 16-bit CMYK A0 line is ~750 KB) is not a real page.
const MAX_BYTES_PER_LINE = 16 * 1024 * 1024;

interface SyncWord {
  littleEndian: boolean;
  compressed: boolean;
  headerBytes: number;
}

const SYNC_WORDS: Record<string, SyncWord> = {
  RaS2: { littleEndian: false, compressed: true, headerBytes: HEADER_V2_BYTES },
  '2SaR': { littleEndian: true, compressed: true, headerBytes: HEADER_V2_BYTES },
  RaS3: { littleEndian: false, compressed: false, headerBytes: HEADER_V2_BYTES },
  '3SaR': { littleEndian: true, compressed: false, headerBytes: HEADER_V2_BYTES },
  RaSt: { littleEndian: false, compressed: false, headerBytes: HEADER_V1_BYTES },
  tSaR: { littleEndian: true, compressed: false, headerBytes: HEADER_V1_BYTES },
};

/** cupsColorSpace values that carry no chroma: W, K, sW, and single-colorant ICC1/Device1. */
const MONO_SPACES = new Set([0, 3, 18, 32, 48]);

/** Chroma tests per cupsColorSpace, in component order, for 8-bit samples. */
const CHROMA_BY_SPACE: Record<number, ChromaTest> = {
  1: { mode: 'equal', offsets: [0, 1, 2] }, // RGB
  2: { mode: 'equal', offsets: [0, 1, 2] }, // RGBA
  4: { mode: 'ink', offsets: [0, 1, 2] }, // CMY
  5: { mode: 'ink', offsets: [0, 1, 2] }, // YMC
  6: { mode: 'ink', offsets: [0, 1, 2] }, // CMYK
  7: { mode: 'ink', offsets: [0, 1, 2] }, // YMCK
  8: { mode: 'ink', offsets: [1, 2, 3] }, // KCMY
  17: { mode: 'equal', offsets: [0, 1, 2] }, // RGBW
  19: { mode: 'equal', offsets: [0, 1, 2] }, // sRGB
  20: { mode: 'equal', offsets: [0, 1, 2] }, // AdobeRGB
};

/** Whether a colour space is mono (false), colour (true) or unknown (null), from the header alone. */
function spaceIsColour(space: number): boolean | null {
  if (MONO_SPACES.has(space)) return false;
  if (space <= 20 || (space > 32 && space <= 46) || (space > 48 && space <= 62)) return true;
  return null;
}

function chromaTest(space: number, bitsPerColor: number, order: number): ChromaTest | null {
  const test = CHROMA_BY_SPACE[space];
  if (!test || order !== CHUNKY || (bitsPerColor !== 8 && bitsPerColor !== 16)) return null;
  const bytes = bitsPerColor / 8;
  // 16-bit samples are compared on their most significant byte (big-endian in the stream).
  return { mode: test.mode, offsets: test.offsets.map((at) => at * bytes) };
}

function duplexMode(duplex: number, tumble: number): DuplexMode {
  if (!duplex) return 'simplex';
  return tumble ? 'short-edge' : 'long-edge';
}

function paperName(read: (at: number) => number, width: number, height: number): string | null {
  const widthPt = read(OFF_PAGE_SIZE);
  const heightPt = read(OFF_PAGE_SIZE + 4);
  if (widthPt > 0 && heightPt > 0) return mediaNameForPoints(widthPt, heightPt);
  const xDpi = read(OFF_HW_RESOLUTION);
  const yDpi = read(OFF_HW_RESOLUTION + 4);
  if (xDpi > 0 && yDpi > 0) return mediaNameForMm((width / xDpi) * 25.4, (height / yDpi) * 25.4);
  return null;
}

function parseHeader(header: Buffer, sync: SyncWord): RasterPage | string {
  const read = (at: number) => (sync.littleEndian ? header.readUInt32LE(at) : header.readUInt32BE(at));
  const width = read(OFF_WIDTH);
  const height = read(OFF_HEIGHT);
  const bitsPerColor = read(OFF_BITS_PER_COLOR);
  const bitsPerPixel = read(OFF_BITS_PER_PIXEL);
  const bytesPerLine = read(OFF_BYTES_PER_LINE);
  const order = read(OFF_COLOR_ORDER);
  const space = read(OFF_COLOR_SPACE);
  if (width === 0 || height === 0 || bitsPerPixel === 0 || bitsPerPixel > 240) {
    return `implausible page header (width ${width}, height ${height}, ${bitsPerPixel} bits per pixel)`;
  }
  if (
    bytesPerLine === 0 ||
    bytesPerLine > MAX_BYTES_PER_LINE ||
    bytesPerLine < Math.ceil((width * bitsPerPixel) / 8)
  ) {
    return `implausible page header (${bytesPerLine} bytes per line for ${width} pixels)`;
  }
  const unitBits = order === CHUNKY ? bitsPerPixel : bitsPerColor;
  const geometry: RasterGeometry = {
    height,
    bytesPerLine,
    unitBytes: Math.max(1, Math.ceil(unitBits / 8)),
    chroma: chromaTest(space, bitsPerColor, order),
    compressed: sync.compressed,
  };
  const copies = read(OFF_NUM_COPIES);
  return {
    geometry,
    copies: copies > 1 ? copies : null,
    facts: {
      color: spaceIsColour(space),
      paper: paperName(read, width, height),
      duplex: duplexMode(read(OFF_DUPLEX), read(OFF_TUMBLE)),
    },
  };
}

/** The PWG/CUPS raster format; `totalPages.declared` receives the first header's TotalPageCount. */
function pwgFormat(totalPages: { declared: number }): RasterFormat {
  let sync: SyncWord = SYNC_WORDS.RaS2;
  return {
    pdl: 'pwg-raster',
    fileHeaderBytes: 4,
    pageHeaderBytes: HEADER_V2_BYTES,
    checkFileHeader(header) {
      const word = SYNC_WORDS[header.toString('latin1', 0, 4)];
      if (!word) return 'not a PWG/CUPS raster stream (no RaS2/RaS3/RaSt sync word)';
      sync = word;
      this.pageHeaderBytes = word.headerBytes;
      return null;
    },
    parsePageHeader(header) {
      if (totalPages.declared === 0 && sync.headerBytes === HEADER_V2_BYTES) {
        totalPages.declared = sync.littleEndian
          ? header.readUInt32LE(OFF_TOTAL_PAGE_COUNT)
          : header.readUInt32BE(OFF_TOTAL_PAGE_COUNT);
      }
      return parseHeader(header, sync);
    },
  };
}

/**
 * Analyses a PWG raster (or CUPS raster) job: one page per page header, each page's data walked to find the next.
 * Never throws for bad data: a header that makes no sense or a truncated stream ends the walk with `partial`.
 */
export async function analysePwgRaster(source: PdlSource, limits: AnalysisLimits): Promise<LanguageAnalysis> {
  const totalPages = { declared: 0 };
  const result = await walkRasterPages(pwgFormat(totalPages), source, limits);
  if (totalPages.declared > 0 && totalPages.declared !== result.pages.length && !result.partial) {
    result.warnings.push(
      `the first page header announces ${totalPages.declared} pages (TotalPageCount) but the stream holds ` +
        `${result.pages.length}; counted the pages in the stream`,
    );
  }
  return result;
}
