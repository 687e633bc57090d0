/**
 * Stream filters (§7.4): FlateDecode (node:zlib) with predictors, LZWDecode, ASCIIHexDecode, ASCII85Decode and
 * RunLengthDecode. Every decoder stops at a byte cap, because a 10 KB deflate stream can expand to gigabytes; the
 * result says whether it was cut (`truncated`) or the data was corrupt (`damaged`, with the bytes decoded before
 * the damage kept: a viewer renders those too). Image codecs (DCT, JPX, CCITT, JBIG2) and Crypt are not decoded:
 * the result names them in `unsupported` and the caller decides what that means.
 */
import zlib from 'node:zlib';
import type { PdfDict } from './pdf-objects';
import { predictorParams, unpredict } from './pdf-predictor';

/** One filter of a stream's `/Filter` chain with its `/DecodeParms`. */
export interface FilterStep {
  name: string;
  parms: PdfDict | null;
}

/** Decoded stream bytes and how complete they are. */
export interface DecodedData {
  data: Buffer;
  /** The cap was reached: `data` is a prefix. */
  truncated: boolean;
  /** The encoded data was corrupt: `data` is what decoded before the error. */
  damaged: boolean;
  /** The first filter we do not decode, or null; `data` is the input to that filter. */
  unsupported: string | null;
}

// Inline images (§8.9.7) abbreviate filter names.
const ABBREVIATIONS: Record<string, string> = {
  AHx: 'ASCIIHexDecode',
  A85: 'ASCII85Decode',
  LZW: 'LZWDecode',
  Fl: 'FlateDecode',
  RL: 'RunLengthDecode',
  CCF: 'CCITTFaxDecode',
  DCT: 'DCTDecode',
};

/** The full filter name for an abbreviated inline-image one. */
export function fullFilterName(name: string): string {
  return ABBREVIATIONS[name] ?? name;
}

/** Runs the filter chain over `raw`, never producing more than `cap` bytes from any step. */
export async function decodeFilters(raw: Buffer, steps: FilterStep[], cap: number): Promise<DecodedData> {
  let result: DecodedData = { data: raw, truncated: false, damaged: false, unsupported: null };
  for (const step of steps) {
    const name = fullFilterName(step.name);
    const next =
      name === 'FlateDecode'
        ? withPredictor(await inflateBounded(result.data, cap), step.parms)
        : decodeOtherStep(name, step.parms, result.data, cap);
    if (next === null) return { ...result, unsupported: name };
    result = chained(result, next);
  }
  return result;
}

/**
 * The chain run synchronously, for callers inside a synchronous scan (the PostScript tokenizer hands over image
 * data while it feeds tokens): as {@link decodeFilters}, except that Flate data that does not inflate in one pass
 * within the cap counts as damaged rather than being streamed for the bytes before the damage.
 */
export function decodeFiltersSync(raw: Buffer, steps: FilterStep[], cap: number): DecodedData {
  let result: DecodedData = { data: raw, truncated: false, damaged: false, unsupported: null };
  for (const step of steps) {
    const name = fullFilterName(step.name);
    const next =
      name === 'FlateDecode'
        ? withPredictor(inflateOnce(result.data, cap), step.parms)
        : decodeOtherStep(name, step.parms, result.data, cap);
    if (next === null) return { ...result, unsupported: name };
    result = chained(result, next);
  }
  return result;
}

type StepResult = Omit<DecodedData, 'unsupported'>;

/** The chain's state after one more step: its output, with damage and truncation carried along. */
function chained(result: DecodedData, next: StepResult): DecodedData {
  return {
    data: next.data,
    truncated: result.truncated || next.truncated,
    damaged: result.damaged || next.damaged,
    unsupported: null,
  };
}

/** Every step but Flate (which the two chains inflate their own way); null for an unsupported filter. */
function decodeOtherStep(name: string, parms: PdfDict | null, input: Buffer, cap: number): StepResult | null {
  switch (name) {
    case 'LZWDecode':
      return withPredictor(lzwDecode(input, cap, earlyChange(parms)), parms);
    case 'ASCIIHexDecode':
      return asciiHexDecode(input, cap);
    case 'ASCII85Decode':
      return ascii85Decode(input, cap);
    case 'RunLengthDecode':
      return runLengthDecode(input, cap);
    default:
      return null;
  }
}

/** Inflates in one synchronous pass; output past the cap, or corrupt data, is reported as damage. */
function inflateOnce(input: Buffer, cap: number): StepResult {
  const chunkSize = Math.max(1024, Math.min(64 * 1024, input.length * 4));
  const options = { maxOutputLength: Math.max(1, cap), finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize };
  try {
    return { data: zlib.inflateSync(input, options), truncated: false, damaged: false };
  } catch {
    return { data: Buffer.alloc(0), truncated: false, damaged: true };
  }
}

function earlyChange(parms: PdfDict | null): boolean {
  return parms?.get('EarlyChange') !== 0;
}

function withPredictor(result: StepResult, parms: PdfDict | null): StepResult {
  const params = predictorParams(parms);
  return params ? { ...result, data: unpredict(result.data, params) } : result;
}

/** Inflates `input` (zlib, or raw deflate when the zlib header is missing), keeping at most `cap` bytes. */
export async function inflateBounded(input: Buffer, cap: number): Promise<StepResult> {
  // zlib allocates its output in chunkSize pieces; the default 16 KB is mostly waste for small content streams.
  const chunkSize = Math.max(1024, Math.min(64 * 1024, input.length * 4));
  const options = { maxOutputLength: Math.max(1, cap), finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize };
  try {
    return { data: zlib.inflateSync(input, options), truncated: false, damaged: false };
  } catch {
    // Too large, or corrupt somewhere: a streaming pass keeps the bytes decoded before the cap or the damage.
    const hasZlibHeader =
      input.length >= 2 && (input[0] & 0x0f) === 8 && ((input[0] << 8) | input[1]) % 31 === 0;
    return inflateStreaming(input, cap, hasZlibHeader);
  }
}

function inflateStreaming(input: Buffer, cap: number, zlibHeader: boolean): Promise<StepResult> {
  return new Promise((resolve) => {
    const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    const inflater = zlibHeader ? zlib.createInflate(options) : zlib.createInflateRaw(options);
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (truncated: boolean, damaged: boolean) => {
      if (done) return;
      done = true;
      inflater.destroy();
      const data = Buffer.concat(parts);
      resolve({ data: data.length > cap ? data.subarray(0, cap) : data, truncated, damaged });
    };
    inflater.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      size += chunk.length;
      if (size >= cap) finish(true, false);
    });
    inflater.on('error', () => finish(false, true));
    inflater.on('end', () => finish(false, false));
    inflater.end(input);
  });
}

function lzwDecode(input: Buffer, cap: number, early: boolean): StepResult {
  const out = Buffer.allocUnsafe(Math.min(cap, Math.max(1024, input.length * 4)));
  let output = out;
  let length = 0;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const lengths = new Uint16Array(4096);
  for (let i = 0; i < 256; i += 1) {
    suffix[i] = i;
    lengths[i] = 1;
    prefix[i] = -1;
  }
  let next = 258;
  let codeBits = 9;
  let previous = -1;
  let bitBuffer = 0;
  let bitCount = 0;
  const emit = (code: number): boolean => {
    const n = lengths[code];
    if (length + n > cap) return false;
    if (length + n > output.length) {
      const grown = Buffer.allocUnsafe(Math.min(cap, Math.max(output.length * 2, length + n)));
      output.copy(grown, 0, 0, length);
      output = grown;
    }
    for (let c = code, i = n - 1; i >= 0; i -= 1, c = prefix[c]) output[length + i] = suffix[c];
    length += n;
    return true;
  };
  for (let pos = 0; pos < input.length; pos += 1) {
    bitBuffer = ((bitBuffer << 8) | input[pos]) >>> 0;
    bitCount += 8;
    while (bitCount >= codeBits) {
      const code = (bitBuffer >>> (bitCount - codeBits)) & ((1 << codeBits) - 1);
      bitCount -= codeBits;
      if (code === 256) {
        next = 258;
        codeBits = 9;
        previous = -1;
        continue;
      }
      if (code === 257) return { data: output.subarray(0, length), truncated: false, damaged: false };
      if (code > next || (code === next && previous < 0)) {
        return { data: output.subarray(0, length), truncated: false, damaged: true };
      }
      if (previous >= 0 && next < 4096) {
        // The new entry is the previous string plus the first byte of this one (or of itself, for code === next).
        let first = code === next ? previous : code;
        while (prefix[first] >= 0) first = prefix[first];
        prefix[next] = previous;
        suffix[next] = suffix[first];
        lengths[next] = lengths[previous] + 1;
        next += 1;
      }
      if (!emit(code)) return { data: output.subarray(0, length), truncated: true, damaged: false };
      previous = code;
      const limit = early ? next + 1 : next;
      if (limit >= 1 << codeBits && codeBits < 12) codeBits += 1;
    }
  }
  return { data: output.subarray(0, length), truncated: false, damaged: false };
}

function asciiHexDecode(input: Buffer, cap: number): StepResult {
  const text = input.toString('latin1');
  const end = text.indexOf('>');
  let digits = (end < 0 ? text : text.slice(0, end)).replace(/[\s\0]/g, '');
  const damaged = /[^0-9A-Fa-f]/.test(digits);
  digits = digits.replace(/[^0-9A-Fa-f]/g, '');
  if (digits.length % 2 === 1) digits += '0';
  const truncated = digits.length / 2 > cap;
  return { data: Buffer.from(digits.slice(0, cap * 2), 'hex'), truncated, damaged };
}

function ascii85Decode(input: Buffer, cap: number): StepResult {
  const out: number[] = [];
  const group: number[] = [];
  let damaged = false;
  const flush = (count: number) => {
    while (group.length < 5) group.push(84);
    let value = 0;
    for (const digit of group) value = value * 85 + digit;
    for (let i = 0; i < count - 1; i += 1) out.push((value >>> (24 - 8 * i)) & 0xff);
    group.length = 0;
  };
  // PDF streams need no `<~` opener, but PostScript-minded writers put one in.
  const opener = input.indexOf('<~', 0, 'latin1');
  const start = opener >= 0 && input.subarray(0, opener).every((c) => c <= 0x20) ? opener + 2 : 0;
  for (let pos = start; pos < input.length && out.length < cap; pos += 1) {
    const c = input[pos];
    if (c === 0x7e /* ~ */) break;
    if (c === 0x7a /* z */ && group.length === 0) out.push(0, 0, 0, 0);
    else if (c >= 0x21 && c <= 0x75) {
      group.push(c - 0x21);
      if (group.length === 5) flush(5);
    } else if (c > 0x20) damaged = true;
  }
  if (group.length > 1) flush(group.length);
  return { data: Buffer.from(out.slice(0, cap)), truncated: out.length > cap, damaged };
}

function runLengthDecode(input: Buffer, cap: number): StepResult {
  const out: number[] = [];
  let pos = 0;
  while (pos < input.length && out.length < cap) {
    const n = input[pos];
    if (n === 128) break;
    if (n < 128) {
      for (let i = 1; i <= n + 1 && pos + i < input.length; i += 1) out.push(input[pos + i]);
      pos += n + 2;
    } else {
      const byte = input[pos + 1] ?? 0;
      for (let i = 0; i < 257 - n; i += 1) out.push(byte);
      pos += 2;
    }
  }
  return { data: Buffer.from(out.slice(0, cap)), truncated: out.length > cap, damaged: false };
}
