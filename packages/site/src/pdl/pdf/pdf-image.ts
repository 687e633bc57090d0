/**
 * The colour an image paints (§8.9): an image mask paints the current fill colour; other images paint in their
 * colour space. An image in a space that can be colour is checked pixel by pixel when its coding is lossless
 * (see pdf-image-sample), so a grey picture stored as RGB counts as mono; JPEG (DCT), JPEG 2000, CCITT and JBIG2
 * data is not decoded, and then the colour space decides. XObject images are inflated in chunks straight from the
 * file, so a large image costs time (bounded by the deadline and a byte budget), never memory.
 */
import { PDF_LIMITS } from './pdf-budget';
import { type ColourSpace, type NamedLookup, readColourSpace } from './pdf-colour';
import { COLOUR, MONO, stateOf, UNKNOWN } from './pdf-paint';
import type { PdfDocument } from './pdf-document';
import { type DecodedData, decodeFilters, type FilterStep, fullFilterName } from './pdf-filters';
import { createGreyCheck, type GreyCheck, type ImageFormat } from './pdf-image-sample';
import { type InlineImage, inlineValue } from './pdf-inline-image';
import { asArray, asCount, asName, asNumber, type PdfObject, type PdfStream } from './pdf-objects';
import { decodedChunks, decodesInChunks, filterSteps } from './pdf-stream';

const CHUNK = 256 * 1024;
const LOSSLESS = new Set(['FlateDecode', 'LZWDecode', 'ASCIIHexDecode', 'ASCII85Decode', 'RunLengthDecode']);

type Proof = 'colour' | 'grey' | 'unproven';

/** Streams a Flate (or unfiltered) XObject image through the check. */
async function proveStreamed(
  doc: PdfDocument,
  stream: PdfStream,
  steps: FilterStep[],
  check: GreyCheck,
): Promise<Proof> {
  const status = { damaged: false };
  let examined = 0;
  for await (const chunk of decodedChunks(doc.file, await doc.streamExtent(stream), steps, CHUNK, status)) {
    doc.budget.checkNow();
    if (check.push(chunk)) return 'colour';
    examined += chunk.length;
    if (examined > PDF_LIMITS.maxImageSampleBytes) return 'unproven';
  }
  return status.damaged ? 'unproven' : 'grey';
}

async function proveCollected(data: Promise<DecodedData>, check: GreyCheck): Promise<Proof> {
  const decoded = await data;
  if (check.push(decoded.data)) return 'colour';
  return decoded.truncated || decoded.damaged ? 'unproven' : 'grey';
}

function formatOf(
  space: ColourSpace,
  width: PdfObject | undefined,
  bits: PdfObject | undefined,
  decode: PdfObject | undefined,
): ImageFormat {
  const decodeArray = asArray(decode)?.map((n) => asNumber(n) ?? 0);
  return { space, bitsPerComponent: asCount(bits) ?? 8, width: asCount(width) ?? 0, decode: decodeArray };
}

/** Bytes `rows` rows decode to at most (4 components, the most we sample, plus a PNG predictor's tag byte). */
function decodedSize(format: ImageFormat, rows: number | undefined): number {
  if (rows === undefined) return Infinity;
  return rows * (Math.ceil((format.width * 4 * format.bitsPerComponent) / 8) + 1);
}

/** Components of a JPEG 2000 image without `/ColorSpace` (its colour space is inside the codestream). */
async function jpxState(doc: PdfDocument, stream: PdfStream): Promise<number> {
  const extent = await doc.streamExtent(stream);
  const head = await doc.file.read(extent.offset, Math.min(extent.length, 4096));
  const ihdr = head.indexOf('ihdr', 0, 'latin1');
  let components = -1;
  if (ihdr >= 0 && ihdr + 14 <= head.length) components = head.readUInt16BE(ihdr + 12);
  else {
    const siz = head.indexOf(Buffer.from([0xff, 0x51]));
    if (siz >= 0 && siz + 40 <= head.length) components = head.readUInt16BE(siz + 38);
  }
  if (components < 1) return UNKNOWN;
  return components >= 3 ? COLOUR : MONO;
}

/** The colour state an image XObject paints with, or 'stencil' for an image mask. */
export async function imageState(
  doc: PdfDocument,
  stream: PdfStream,
  lookupNamed: NamedLookup,
): Promise<number | 'stencil'> {
  const dict = stream.dict;
  if ((await doc.resolve(dict.get('ImageMask'))) === true) return 'stencil';
  const steps = await doc.filterChain(dict);
  const spaceValue = await doc.resolve(dict.get('ColorSpace'));
  if (spaceValue === null) {
    if (steps.some((step) => step.name === 'JPXDecode')) return jpxState(doc, stream);
    doc.warnings.add('A PDF image has no colour space; its colour is unknown.');
    return UNKNOWN;
  }
  const space = await readColourSpace(doc, spaceValue, lookupNamed);
  if (space.canBeColour !== true) return stateOf(space.canBeColour);
  const format = formatOf(
    space,
    await doc.resolve(dict.get('Width')),
    await doc.resolve(dict.get('BitsPerComponent')),
    await doc.resolve(dict.get('Decode')),
  );
  const check = createGreyCheck(format);
  if (!check || !steps.every((step) => LOSSLESS.has(step.name)) || doc.encrypted) return COLOUR;
  // An image that fits the stream budget decodes in one synchronous pass; larger ones stream from the file.
  const cap = Math.min(doc.budget.streamBytes, PDF_LIMITS.maxImageSampleBytes);
  const fits = decodedSize(format, asCount(await doc.resolve(dict.get('Height')))) <= cap;
  const proof =
    decodesInChunks(steps) && !fits
      ? await proveStreamed(doc, stream, steps, check)
      : await proveCollected(doc.streamData(stream, cap), check);
  if (proof === 'unproven')
    doc.warnings.add('A PDF image could not be checked to the end; its colour space decided.');
  return proof === 'grey' ? MONO : COLOUR;
}

/** The colour state an inline image paints with, or 'stencil' for an image mask. */
export async function inlineImageState(
  doc: PdfDocument,
  image: InlineImage,
  lookupNamed: NamedLookup,
): Promise<number | 'stencil'> {
  const dict = image.dict;
  if (inlineValue(dict, 'IM', 'ImageMask') === true) return 'stencil';
  const space = await readColourSpace(
    doc,
    inlineValue(dict, 'CS', 'ColorSpace') ?? 'DeviceGray',
    lookupNamed,
  );
  if (space.canBeColour !== true) return stateOf(space.canBeColour);
  const check = createGreyCheck(
    formatOf(
      space,
      inlineValue(dict, 'W', 'Width'),
      inlineValue(dict, 'BPC', 'BitsPerComponent'),
      inlineValue(dict, 'D', 'Decode'),
    ),
  );
  const filter = inlineValue(dict, 'F', 'Filter');
  const names = Array.isArray(filter)
    ? filter.map((f) => fullFilterName(asName(f) ?? ''))
    : filter === undefined
      ? []
      : fullFilterName(asName(filter) ?? '');
  const steps = filterSteps(names, inlineValue(dict, 'DP', 'DecodeParms'));
  if (!check || !steps.every((step) => LOSSLESS.has(step.name))) return COLOUR;
  const proof = await proveCollected(decodeFilters(image.data, steps, doc.budget.streamBytes), check);
  return proof === 'grey' ? MONO : COLOUR;
}
