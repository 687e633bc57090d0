/**
 * Proves an RGB or CMYK image in a PostScript job grey from its pixels. Judged by its colour space alone, such an
 * image counts as colour, yet jobs are full of grey ones: ghostscript's ps2write writes a grey shading, or a grey
 * picture, as an RGB image, and drivers send greyscale photos through `colorimage`. When the image's samples are
 * in the job (a string, or data the program reads from itself) in a lossless encoding, they are decoded and
 * checked pixel by pixel with the PDF reader's check (pdf-image-sample.ts: a pixel is grey when its channels are
 * within one 8-bit step, or it has no C, M or Y). Anything that cannot be decoded completely keeps the verdict of
 * the colour space: colour.
 */
import { CMYK as PDF_CMYK, RGB as PDF_RGB } from './pdf/pdf-colour';
import { decodeFiltersSync, fullFilterName } from './pdf/pdf-filters';
import { createGreyCheck, type GreyCheck, type ImageFormat } from './pdf/pdf-image-sample';
import { type ColourClass, type ColourSpace } from './postscript-colour';
import { type SkipCollector } from './postscript-skip';

/** Most encoded bytes of one image kept to look at its pixels; a larger image counts by its colour space. */
export const MAX_IMAGE_DATA_BYTES = 4 * 1024 * 1024;
/**
 * Most decoded bytes of one image looked at (a 1.4-megapixel RGB image). Some decoders build their output in a
 * plain array (8 bytes an entry), so this bounds a transient of tens of megabytes in the worker's heap.
 */
const MAX_IMAGE_SAMPLE_BYTES = 4 * 1024 * 1024;
/** Decoders stop at a cap; room past the image's size lets LZW finish its last string. */
const DECODE_SLACK = 4096;
/** Filters whose output is the exact samples (the PDF reader's list). */
const LOSSLESS = new Set(['FlateDecode', 'LZWDecode', 'ASCIIHexDecode', 'ASCII85Decode', 'RunLengthDecode']);

/** What an image's samples look like, from its operands or dictionary; null where the job did not say. */
export interface ImageLayout {
  space: ColourSpace;
  width: number | null;
  height: number | null;
  bitsPerComponent: number | null;
  /** The Decode array, or null for the default. */
  decode: (number | null)[] | null;
}

/** The class an image paints in, from its encoded data (null when the data could not be had). */
export type PixelTest = (encoded: Buffer | null) => ColourClass;

/** Repeats `data` up to `length` bytes: a procedure that returns the same string is called until the image is full. */
function repeatTo(data: Buffer, length: number): Buffer {
  if (data.length >= length || data.length === 0) return data;
  const out = Buffer.allocUnsafe(length);
  for (let at = 0; at < length; at += data.length) data.copy(out, at, 0, Math.min(data.length, length - at));
  return out;
}

/**
 * A test of the image's data, decoded through `filters` (full or abbreviated names, outermost first): 'gray' when
 * every pixel is grey, 'color' otherwise, also when the data is damaged or shorter than the image. With `repeat`,
 * short data is used again from its start (a string source, read as often as the image needs it). Null when the
 * image's pixels cannot be looked at (not RGB or CMYK, an unknown size, a lossy or unknown filter, too large).
 */
export function pixelTest(layout: ImageLayout, filters: string[], repeat = false): PixelTest | null {
  const space = layout.space.kind === 'rgb' ? PDF_RGB : layout.space.kind === 'cmyk' ? PDF_CMYK : null;
  const { width, height, bitsPerComponent: bits, decode } = layout;
  if (space === null || width === null || height === null || bits === null) return null;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height < 0) return null;
  if (decode !== null && decode.some((value) => value === null)) return null;
  const steps = filters.map((name) => ({ name: fullFilterName(name), parms: null }));
  if (!steps.every((step) => LOSSLESS.has(step.name))) return null;
  const format: ImageFormat = {
    space,
    bitsPerComponent: bits,
    width,
    decode: (decode as number[]) ?? undefined,
  };
  if (createGreyCheck(format) === null) return null;
  const expected = Math.ceil((width * space.components * bits) / 8) * height;
  if (expected > MAX_IMAGE_SAMPLE_BYTES) return null;
  return (encoded) => {
    if (encoded === null) return 'color';
    const decoded = decodeFiltersSync(encoded, steps, expected + DECODE_SLACK);
    if (decoded.damaged || decoded.unsupported !== null) return 'color';
    const samples = repeat ? repeatTo(decoded.data, expected) : decoded.data;
    if (samples.length < expected) return 'color';
    return (createGreyCheck(format) as GreyCheck).push(samples.subarray(0, expected)) ? 'color' : 'gray';
  };
}

/** A collector for the skip of an image's data that settles its deferred paint with the test's verdict. */
export function collectorFor(test: PixelTest, settle: (cls: ColourClass) => void): SkipCollector {
  return { cap: MAX_IMAGE_DATA_BYTES, done: (data) => settle(test(data)) };
}
