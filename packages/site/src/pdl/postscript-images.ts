/**
 * Image operators of the PostScript analyser: `image`, `colorimage` and `imagemask` paint the page (an image in a
 * grey space is grey, one in a colour space colour; a mask paints in the current colour), and when the image
 * reads its data from the program text (`currentfile`), that data is skipped rather than scanned (see
 * postscript-program-data.ts): ASCII85 up to `~>`, ASCIIHex up to `>`, `SubFileDecode` up to its end string, and
 * raw or `readhexstring` data by the byte count the image's width, height and depth give. Binary data behind
 * other filters has no length the scanner can know; that is reported, as the tokens after it may be misread.
 *
 * An RGB or CMYK image whose samples are at hand (a string, a procedure returning one, or data skipped as above
 * in a lossless encoding) is judged by its pixels (postscript-image-pixels.ts): the skipped data is collected,
 * and the image paints once the tokenizer has passed over it, before anything after it runs.
 */
import { imageClass, type ColourClass, CMYK_SPACE, GRAY_SPACE, RGB_SPACE } from './postscript-colour';
import { paintWith } from './postscript-graphics';
import { collectorFor, type ImageLayout, pixelTest } from './postscript-image-pixels';
import { fileDataFilters, isProgramFile, procedureReads, skipFileData } from './postscript-program-data';
import {
  asNumber,
  type Builtin,
  dictGet,
  isDict,
  isProc,
  numberArray,
  type PsMachine,
  type PsValue,
} from './postscript-values';

/** The bytes of image data for `width × height` samples of `bitsPerSample` bits, rows padded to a byte. */
function imageBytes(
  width: PsValue | undefined,
  height: PsValue | undefined,
  bitsPerSample: number | null,
): number | null {
  const w = asNumber(width);
  const h = asNumber(height);
  if (w === null || h === null || bitsPerSample === null || w < 0 || h < 0) return null;
  return Math.ceil((w * bitsPerSample) / 8) * h;
}

/**
 * Skips the data an image reads from the program text, when it does. Returns the filters that decode the skipped
 * bytes into samples, or null when nothing was skipped or its bytes cannot be decoded.
 */
function skipProgramData(ps: PsMachine, source: PsValue | undefined, bytes: number | null): string[] | null {
  if (isProgramFile(source)) {
    if (skipFileData(ps, source, bytes)) return fileDataFilters(source);
    if (!ps.data.skipDataRegion()) {
      ps.derailed('binary image data of unknown length is read from the job; tokens after it may be misread');
    }
    return null;
  }
  if (source === undefined || !procedureReads(source, 'currentfile')) return null;
  // `{ currentfile buf readhexstring pop }` reads the data as it is; a filter in the procedure would change it.
  const plain = !procedureReads(source, 'filter');
  if (procedureReads(source, 'readhexstring') && bytes !== null) {
    ps.data.skipHexDigits(bytes * 2);
    return plain ? ['ASCIIHexDecode'] : null;
  }
  if (procedureReads(source, 'readstring') && bytes !== null) {
    ps.data.skipBytes(bytes);
    return plain ? [] : null;
  }
  if (ps.data.skipDataRegion()) return null;
  ps.derailed(
    'image data read by a procedure from the job could not be measured; tokens after it may be misread',
  );
  return null;
}

/** The bytes of a string data source, or of a procedure that is just a string (`{<ffeedd>}`), or null. */
function sourceString(ps: PsMachine, source: PsValue | undefined): Buffer | null {
  let value = source ?? null;
  if (isProc(value) && value.body.length === 1) {
    const item = value.body[0];
    value =
      item !== null && typeof item === 'object' && item.k === 'exec' ? (ps.lookup(item.v) ?? null) : item;
  }
  if (value === null || typeof value !== 'object' || value.k !== 'string' || value.content === null)
    return null;
  return Buffer.from(value.content, 'latin1');
}

/**
 * Paints an image of class `cls` that reads `bytes` bytes from `source` (skipped when they are in the program
 * text). An RGB or CMYK image whose samples can be had is painted by its pixels instead: at once for a string,
 * once the tokenizer has passed over data read from the job.
 */
function paintImage(
  ps: PsMachine,
  cls: ColourClass,
  layout: ImageLayout | null,
  source: PsValue | undefined,
  bytes: number | null,
): void {
  const filters = skipProgramData(ps, source, bytes);
  if (cls !== 'color' || layout === null || ps.speculative) return paintWith(ps, cls);
  const samples = sourceString(ps, source);
  if (samples !== null) return paintWith(ps, pixelTest(layout, [], true)?.(samples) ?? cls);
  const test = filters === null ? null : pixelTest(layout, filters);
  if (test === null) return paintWith(ps, cls);
  ps.data.collectSkipped(collectorFor(test, ps.pages.deferPaint()));
}

/** `image` and `imagemask` in their dictionary form: data source, layout and byte count from the dictionary. */
function dictionaryImage(ps: PsMachine, dict: PsValue, cls: ColourClass, masked: boolean): void {
  if (!isDict(dict)) return;
  const space = ps.graphics.fill.space;
  const components = masked ? 1 : Math.max(1, space.comps);
  const bits = asNumber(dictGet(dict, 'BitsPerComponent'));
  if (dictGet(dict, 'MultipleDataSources') === true) return paintWith(ps, cls);
  const width = asNumber(dictGet(dict, 'Width'));
  const height = asNumber(dictGet(dict, 'Height'));
  const layout = {
    space,
    width,
    height,
    bitsPerComponent: bits,
    decode: numberArray(dictGet(dict, 'Decode')),
  };
  const bytes = imageBytes(width, height, bits === null ? null : bits * components);
  paintImage(ps, cls, masked ? null : layout, dictGet(dict, 'DataSource'), bytes);
}

const image: Builtin = (ps) => {
  if (isDict(ps.stack[ps.stack.length - 1] ?? null)) {
    dictionaryImage(ps, ps.pop(), imageClass(ps.graphics.fill.space), false);
    return;
  }
  // Level 1 form: width height bits matrix source; always DeviceGray.
  const [width, height, bits, , source] = ps.popMany(5);
  paintWith(ps, imageClass(GRAY_SPACE));
  skipProgramData(ps, source, imageBytes(width, height, asNumber(bits)));
};

const imagemask: Builtin = (ps) => {
  const cls = ps.graphics.fill.cls;
  if (isDict(ps.stack[ps.stack.length - 1] ?? null)) return dictionaryImage(ps, ps.pop(), cls, true);
  const [width, height, , , source] = ps.popMany(5);
  paintWith(ps, cls);
  skipProgramData(ps, source, imageBytes(width, height, 1));
};

const colorimage: Builtin = (ps) => {
  const count = ps.popNumber();
  // colorimage takes 1, 3 or 4 components; anything else is an error the analyser treats as unknown colour.
  const components = count === 1 || count === 3 || count === 4 ? count : null;
  const multiple = ps.pop() === true;
  const sources = ps.popMany(multiple && components !== null ? components : 1);
  const [width, height, bits] = ps.popMany(4);
  const cls: ColourClass =
    components === 1 ? 'gray' : components === 3 || components === 4 ? 'color' : 'unknown';
  const bitsPerComponent = asNumber(bits);
  const bitsPerPixel =
    bitsPerComponent === null || components === null ? null : bitsPerComponent * components;
  if (multiple) return paintWith(ps, cls);
  const layout: ImageLayout = {
    space: components === 4 ? CMYK_SPACE : RGB_SPACE,
    width: asNumber(width),
    height: asNumber(height),
    bitsPerComponent,
    decode: null,
  };
  paintImage(ps, cls, layout, sources[0], imageBytes(width, height, bitsPerPixel));
};

/** Image operators by name. */
export const IMAGE_OPERATORS: Record<string, Builtin> = { image, imagemask, colorimage };
