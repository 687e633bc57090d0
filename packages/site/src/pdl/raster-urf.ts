/**
 * Apple URF ("UNIRAST"), the raster AirPrint clients send: `UNIRAST\0`, a 32-bit page count, then per page a
 * 32-byte header (bits per pixel, colour space, duplex, quality, width, height, resolution) and the page's pixels
 * in the PWG raster line encoding (see raster-lines.ts).
 *
 * Pages are counted by walking the data, not taken from the file header: some writers (ghostscript's `urf`
 * device) leave the count at 0, and the pages in the stream are what a printer prints. A count that disagrees is
 * reported in `warnings`. Colour: sGray and DeviceW are mono; for RGB and CMYK pages the pixels are inspected, so
 * a grey page sent as sRGB is mono; CIELab pages are colour from the header alone. URF has no paper size field:
 * the paper is the pixel size divided by the resolution, matched to the nearest PWG media.
 */
import { mediaNameForMm } from './media';
import { type AnalysisLimits, type DuplexMode, type LanguageAnalysis, type PdlSource } from './pdl-types';
import { type ChromaTest } from './raster-lines';
import { type RasterFormat, type RasterPage, walkRasterPages } from './raster-stream';

const MAGIC = 'UNIRAST\0';
const FILE_HEADER_BYTES = 12;
const PAGE_HEADER_BYTES = 32;

const OFF_BITS_PER_PIXEL = 0;
const OFF_COLOR_SPACE = 1;
const OFF_DUPLEX = 2;
const OFF_WIDTH = 12;
const OFF_HEIGHT = 16;
const OFF_RESOLUTION = 20;

// A line longer than this (a 2400 dpi, 64-bit A0 line is ~9.5 MB) is not a real page.
const MAX_BYTES_PER_LINE = 16 * 1024 * 1024;

const enum UrfSpace {
  SGray = 0,
  SRgb = 1,
  CieLab = 2,
  AdobeRgb = 3,
  DeviceW = 4,
  DeviceRgb = 5,
  DeviceCmyk = 6,
}

/** URF duplex codes: 0 = printer default, 1 = one-sided, 2 = short edge, 3 = long edge. */
const DUPLEX_BY_CODE: Record<number, DuplexMode> = { 1: 'simplex', 2: 'short-edge', 3: 'long-edge' };

function colourOf(space: number): boolean | null {
  if (space === UrfSpace.SGray || space === UrfSpace.DeviceW) return false;
  if (space <= UrfSpace.DeviceCmyk) return true;
  return null;
}

function chromaTest(space: number, bitsPerPixel: number): ChromaTest | null {
  const rgb = space === UrfSpace.SRgb || space === UrfSpace.AdobeRgb || space === UrfSpace.DeviceRgb;
  if (rgb && (bitsPerPixel === 24 || bitsPerPixel === 48)) {
    const step = bitsPerPixel / 24;
    return { mode: 'equal', offsets: [0, step, 2 * step] };
  }
  if (space === UrfSpace.DeviceCmyk && (bitsPerPixel === 32 || bitsPerPixel === 64)) {
    const step = bitsPerPixel / 32;
    return { mode: 'ink', offsets: [0, step, 2 * step] };
  }
  return null;
}

function parsePageHeader(header: Buffer): RasterPage | string {
  const bitsPerPixel = header[OFF_BITS_PER_PIXEL];
  const space = header[OFF_COLOR_SPACE];
  const width = header.readUInt32BE(OFF_WIDTH);
  const height = header.readUInt32BE(OFF_HEIGHT);
  const dpi = header.readUInt32BE(OFF_RESOLUTION);
  const bytesPerLine = Math.ceil((width * bitsPerPixel) / 8);
  if (bitsPerPixel === 0 || width === 0 || height === 0 || bytesPerLine > MAX_BYTES_PER_LINE) {
    return `implausible page header (width ${width}, height ${height}, ${bitsPerPixel} bits per pixel)`;
  }
  return {
    geometry: {
      height,
      bytesPerLine,
      unitBytes: Math.max(1, bitsPerPixel >> 3),
      chroma: chromaTest(space, bitsPerPixel),
      compressed: true,
    },
    copies: null,
    facts: {
      color: colourOf(space),
      paper: dpi > 0 ? mediaNameForMm((width / dpi) * 25.4, (height / dpi) * 25.4) : null,
      duplex: DUPLEX_BY_CODE[header[OFF_DUPLEX]] ?? null,
    },
  };
}

const URF_FORMAT: RasterFormat = {
  pdl: 'urf',
  fileHeaderBytes: FILE_HEADER_BYTES,
  pageHeaderBytes: PAGE_HEADER_BYTES,
  checkFileHeader: (header) =>
    header.toString('latin1', 0, 8) === MAGIC ? null : 'not a URF stream (no UNIRAST)',
  parsePageHeader,
};

/**
 * Analyses an Apple URF job: pages walked from the stream, colour, duplex and paper from each page header.
 * Never throws for bad data: a nonsensical header or truncated data ends the walk with `partial`.
 */
export async function analyseUrf(source: PdlSource, limits: AnalysisLimits): Promise<LanguageAnalysis> {
  let declared = 0;
  const format: RasterFormat = {
    ...URF_FORMAT,
    checkFileHeader(header) {
      declared = header.readUInt32BE(8);
      return URF_FORMAT.checkFileHeader(header);
    },
  };
  const result = await walkRasterPages(format, source, limits);
  if (declared > 0 && declared !== result.pages.length && !result.partial) {
    result.warnings.push(
      `the URF header announces ${declared} pages but the stream holds ${result.pages.length}; ` +
        'counted the pages in the stream',
    );
  }
  return result;
}
