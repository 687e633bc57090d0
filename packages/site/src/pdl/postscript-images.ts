/**
 * Image operators of the PostScript analyser: `image`, `colorimage` and `imagemask` paint the page (an image in a
 * colour space, or with three or four components, is colour; a mask paints in the current colour), and when the
 * image reads its data from the program text (`currentfile`), that data is skipped rather than scanned (see
 * postscript-program-data.ts): ASCII85 up to `~>`, ASCIIHex up to `>`, `SubFileDecode` up to its end string, and
 * raw or `readhexstring` data by the byte count the image's width, height and depth give. Binary data behind
 * other filters has no length the scanner can know; that is reported, as the tokens after it may be misread.
 */
import { imageClass, type ColourClass, GRAY_SPACE } from './postscript-colour';
import { paintWith } from './postscript-graphics';
import { isProgramFile, procedureReads, skipFileData } from './postscript-program-data';
import { asNumber, type Builtin, dictGet, isDict, type PsMachine, type PsValue } from './postscript-values';

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

/** Skips the data an image reads from the program text, when it does. */
function skipProgramData(ps: PsMachine, source: PsValue | undefined, bytes: number | null): void {
  if (isProgramFile(source)) {
    if (!skipFileData(ps, source, bytes) && !ps.data.skipDataRegion()) {
      ps.derailed('binary image data of unknown length is read from the job; tokens after it may be misread');
    }
    return;
  }
  if (source === undefined || !procedureReads(source, 'currentfile')) return;
  if (procedureReads(source, 'readhexstring') && bytes !== null) return ps.data.skipHexDigits(bytes * 2);
  if (procedureReads(source, 'readstring') && bytes !== null) return ps.data.skipBytes(bytes);
  if (ps.data.skipDataRegion()) return;
  ps.derailed(
    'image data read by a procedure from the job could not be measured; tokens after it may be misread',
  );
}

/** `image` and `imagemask` in their dictionary form: data source and byte count from the dictionary. */
function dictionaryImage(ps: PsMachine, dict: PsValue, components: number, cls: ColourClass): void {
  if (!isDict(dict)) return;
  const bits = asNumber(dictGet(dict, 'BitsPerComponent'));
  const multiple = dictGet(dict, 'MultipleDataSources') === true;
  paintWith(ps, cls);
  if (!multiple) {
    const bytes = imageBytes(
      dictGet(dict, 'Width'),
      dictGet(dict, 'Height'),
      bits === null ? null : bits * components,
    );
    skipProgramData(ps, dictGet(dict, 'DataSource'), bytes);
  }
}

const image: Builtin = (ps) => {
  if (isDict(ps.stack[ps.stack.length - 1] ?? null)) {
    const space = ps.graphics.fill.space;
    dictionaryImage(ps, ps.pop(), Math.max(1, space.comps), imageClass(space));
    return;
  }
  // Level 1 form: width height bits matrix source; always DeviceGray.
  const [width, height, bits, , source] = ps.popMany(5);
  paintWith(ps, imageClass(GRAY_SPACE));
  skipProgramData(ps, source, imageBytes(width, height, asNumber(bits)));
};

const imagemask: Builtin = (ps) => {
  const cls = ps.graphics.fill.cls;
  if (isDict(ps.stack[ps.stack.length - 1] ?? null)) return dictionaryImage(ps, ps.pop(), 1, cls);
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
  paintWith(ps, cls);
  const bitsPerPixel =
    asNumber(bits) === null || components === null ? null : (asNumber(bits) as number) * components;
  if (!multiple) skipProgramData(ps, sources[0], imageBytes(width, height, bitsPerPixel));
};

/** Image operators by name. */
export const IMAGE_OPERATORS: Record<string, Builtin> = { image, imagemask, colorimage };
