/**
 * Proves an image grey by looking at its pixels. Office documents often embed greyscale pictures (screenshots,
 * scans) in an RGB colour space; judged by the colour space alone such a page is charged as colour. So for
 * losslessly coded images (unfiltered, Flate, LZW, RunLength, ASCII) the decoded samples are checked pixel by
 * pixel, in chunks as they decode, and the check stops at the first colour pixel. A pixel is colour by the same
 * rules as a colour operator (see pdf-colour): RGB channels differing by more than one 8-bit step, C/M/Y above one
 * step, Lab a* or b* beyond ±1, or an Indexed entry whose palette colour is colour.
 *
 * Handled formats: 8- and 16-bit RGB, CMYK and Lab (16-bit samples are judged by their high byte), and Indexed at
 * 1, 2, 4 and 8 bits, with `/Decode` (except on Lab). Other formats are not sampled: the colour space decides.
 */
import { type ColourSpace } from './pdf-colour';

/** The sample layout of an image. */
export interface ImageFormat {
  space: ColourSpace;
  bitsPerComponent: number;
  width: number;
  decode: number[] | undefined;
}

/** Consumes decoded image bytes; `push` returns true once a colour pixel has been seen. */
export interface GreyCheck {
  push(chunk: Buffer): boolean;
}

// A difference of more than one 8-bit step is colour, as for colour operators.
const STEP = 1;

function decodeRange(decode: number[] | undefined, component: number, defaultMax: number): [number, number] {
  const min = decode?.[component * 2];
  const max = decode?.[component * 2 + 1];
  return min !== undefined && max !== undefined ? [min, max] : [0, defaultMax];
}

/** Per-component tables from a raw 8-bit sample to the decoded value scaled to 0–255. */
function byteTables(components: number, decode: number[] | undefined): Uint8Array[] {
  return Array.from({ length: components }, (_, c) => {
    const [min, max] = decodeRange(decode, c, 1);
    const table = new Uint8Array(256);
    for (let byte = 0; byte < 256; byte += 1) {
      table[byte] = Math.max(0, Math.min(255, Math.round((min + (byte / 255) * (max - min)) * 255)));
    }
    return table;
  });
}

/**
 * Feeds whole pixels of `pixelBytes` to `scan(buf, end)` (which loops over `[0, end)` itself: a call per pixel
 * would dominate the time), carrying a partial pixel over to the next chunk.
 */
function pixelCheck(pixelBytes: number, scan: (buf: Buffer, end: number) => boolean): GreyCheck {
  let carry = Buffer.alloc(0);
  return {
    push(chunk: Buffer): boolean {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const whole = buf.length - (buf.length % pixelBytes);
      if (scan(buf, whole)) return true;
      carry = Buffer.from(buf.subarray(whole));
      return false;
    },
  };
}

function rgbCheck(format: ImageFormat, sampleBytes: number): GreyCheck {
  const [r, g, b] = byteTables(3, format.decode);
  const step = 3 * sampleBytes;
  const green = sampleBytes;
  const blue = 2 * sampleBytes;
  return pixelCheck(step, (buf, end) => {
    for (let at = 0; at < end; at += step) {
      // Equal raw samples are grey under any Decode the three channels share; test the tables only otherwise.
      if (buf[at] === buf[at + green] && buf[at] === buf[at + blue] && format.decode === undefined) continue;
      const red = r[buf[at]];
      const gr = g[buf[at + green]];
      const bl = b[buf[at + blue]];
      if (Math.max(red, gr, bl) - Math.min(red, gr, bl) > STEP) return true;
    }
    return false;
  });
}

function cmykCheck(format: ImageFormat, sampleBytes: number): GreyCheck {
  const [c, m, y] = byteTables(4, format.decode);
  const step = 4 * sampleBytes;
  return pixelCheck(step, (buf, end) => {
    for (let at = 0; at < end; at += step) {
      if (c[buf[at]] > STEP || m[buf[at + sampleBytes]] > STEP || y[buf[at + 2 * sampleBytes]] > STEP)
        return true;
    }
    return false;
  });
}

function labCheck(format: ImageFormat, sampleBytes: number): GreyCheck {
  // Lab samples map to the space's own ranges (fromByte); a /Decode on a Lab image is too rare to honour.
  const values = [0, 0, 0];
  const step = 3 * sampleBytes;
  return pixelCheck(step, (buf, end) => {
    for (let at = 0; at < end; at += step) {
      for (let c = 0; c < 3; c += 1) values[c] = format.space.fromByte(c, buf[at + c * sampleBytes]);
      if (format.space.colourOf(values) === true) return true;
    }
    return false;
  });
}

function indexedCheck(format: ImageFormat, palette: Uint8Array): GreyCheck {
  const bits = format.bitsPerComponent;
  const maxCode = (1 << bits) - 1;
  const [min, max] = decodeRange(format.decode, 0, maxCode);
  const colourCode = new Uint8Array(maxCode + 1);
  for (let code = 0; code <= maxCode; code += 1) {
    const index = Math.round(min + (code * (max - min)) / maxCode);
    // An index beyond the palette is clamped by viewers to the last entry.
    colourCode[code] = palette[Math.max(0, Math.min(palette.length - 1, index))] === 1 ? 1 : 0;
  }
  const rowBytes = Math.ceil((format.width * bits) / 8);
  let column = 0;
  return {
    push(chunk: Buffer): boolean {
      for (let i = 0; i < chunk.length; i += 1) {
        const byte = chunk[i];
        // Samples of one row; the padding bits at the end of a row are not pixels.
        const pixelsInByte = Math.min(8 / bits, format.width - Math.floor((column * 8) / bits));
        for (let p = 0; p < pixelsInByte; p += 1) {
          if (colourCode[(byte >> (8 - bits * (p + 1))) & maxCode]) return true;
        }
        column = column + 1 === rowBytes ? 0 : column + 1;
      }
      return false;
    },
  };
}

/** A pixel check for the format, or null when the format is not one we sample. */
export function createGreyCheck(format: ImageFormat): GreyCheck | null {
  const { space, bitsPerComponent: bits, width } = format;
  if (width <= 0) return null;
  if (space.palette) return [1, 2, 4, 8].includes(bits) ? indexedCheck(format, space.palette) : null;
  if (bits !== 8 && bits !== 16) return null;
  const sampleBytes = bits / 8;
  switch (space.family) {
    case 'DeviceRGB':
      return rgbCheck(format, sampleBytes);
    case 'DeviceCMYK':
      return cmykCheck(format, sampleBytes);
    case 'Lab':
      return labCheck(format, sampleBytes);
    default:
      return null;
  }
}
