/**
 * Colour spaces (§8.6) reduced to the one question accounting asks: does painting with this colour put colour
 * toner on paper? The answer is tri-state: true (colour), false (grey or black only) and null (we cannot tell).
 * The rules, applied to the colour values actually set:
 * - DeviceGray, CalGray, ICCBased N=1: never colour.
 * - DeviceRGB, CalRGB, ICCBased N=3: colour when the components differ by more than one 8-bit step (equal
 *   components are a grey, which a printer renders with black toner).
 * - DeviceCMYK, ICCBased N=4: colour when C, M or Y is above one 8-bit step; K alone is mono.
 * - Lab: colour when a* or b* is more than 1 unit from 0 (a ΔE nobody sees).
 * - Indexed: the verdict of the palette entry selected.
 * - Separation: `Black`, `All` and `None` are mono; any other colorant with a tint above zero is colour, except
 *   when its tint transform is a Type 2 (exponential) function: then the alternate-space colour it yields decides.
 * - DeviceN: colour when a colorant other than Black/All/None has a tint above zero.
 * - Pattern: decided by the pattern when painting (see pdf-content).
 */
import type { PdfDocument } from './pdf-document';
import {
  asArray,
  asDict,
  asName,
  asNumber,
  type PdfDict,
  type PdfObject,
  PdfStream,
  PdfString,
} from './pdf-objects';

/** Colour (true), mono (false) or unknown (null). */
export type Tri = boolean | null;

/** One 8-bit step: differences below it are invisible on an 8-bit-per-channel device. */
export const COLOUR_EPSILON = 1 / 255;
const LAB_EPSILON = 1;
const MAX_NESTING = 8;
const MONO_COLORANTS = new Set(['Black', 'All', 'None']);

/** What the analysis knows about a colour space. */
export interface ColourSpace {
  /** Family name for messages: DeviceRGB, Indexed, ... */
  readonly family: string;
  /** Operands `sc`/`scn` take (not counting a pattern name). */
  readonly components: number;
  /** False when no colour in this space can be colour. */
  readonly canBeColour: Tri;
  /** Would painting with `values` put colour on paper? */
  colourOf(values: ArrayLike<number>): Tri;
  /** The value of component `index` for an 8-bit sample/lookup byte (the space's default decode range). */
  fromByte(index: number, byte: number): number;
  /** For Pattern spaces: the space of uncoloured patterns' colour operands (null when none). */
  readonly patternBase?: ColourSpace | null;
  /** For Indexed spaces: a verdict per palette index (0 mono, 1 colour, 2 unknown). */
  readonly palette?: Uint8Array;
}

const unitByte = (_index: number, byte: number) => byte / 255;

/** DeviceGray and every other one-channel grey space. */
export const GREY: ColourSpace = {
  family: 'DeviceGray',
  components: 1,
  canBeColour: false,
  colourOf: () => false,
  fromByte: unitByte,
};

/** DeviceRGB and the other three-channel RGB spaces. */
export const RGB: ColourSpace = {
  family: 'DeviceRGB',
  components: 3,
  canBeColour: true,
  colourOf: (v) =>
    Math.max(v[0] ?? 0, v[1] ?? 0, v[2] ?? 0) - Math.min(v[0] ?? 0, v[1] ?? 0, v[2] ?? 0) > COLOUR_EPSILON,
  fromByte: unitByte,
};

/** DeviceCMYK and ICC CMYK. */
export const CMYK: ColourSpace = {
  family: 'DeviceCMYK',
  components: 4,
  canBeColour: true,
  colourOf: (v) =>
    (v[0] ?? 0) > COLOUR_EPSILON || (v[1] ?? 0) > COLOUR_EPSILON || (v[2] ?? 0) > COLOUR_EPSILON,
  fromByte: unitByte,
};

/** A space we cannot interpret: painting with it has an unknown colour. */
export function unknownSpace(family: string, components = 1): ColourSpace {
  return { family, components, canBeColour: null, colourOf: () => null, fromByte: unitByte };
}

/** The Pattern space, with the underlying space of uncoloured patterns. */
export function patternSpace(base: ColourSpace | null): ColourSpace {
  return {
    family: 'Pattern',
    components: base?.components ?? 0,
    canBeColour: true,
    colourOf: (v) => (base ? base.colourOf(v) : null),
    fromByte: unitByte,
    patternBase: base,
  };
}

/** The device space named by a colour-space name, or undefined for names to look up in resources. */
export function deviceSpace(name: string): ColourSpace | undefined {
  switch (name) {
    case 'DeviceGray':
    case 'G':
    case 'CalGray':
      return GREY;
    case 'DeviceRGB':
    case 'RGB':
    case 'CalRGB':
      return RGB;
    case 'DeviceCMYK':
    case 'CMYK':
      return CMYK;
    case 'Pattern':
      return patternSpace(null);
    default:
      return undefined;
  }
}

function labSpace(dict: PdfDict | undefined): ColourSpace {
  const range = (asArray(dict?.get('Range')) ?? []).map((n) => asNumber(n));
  const [aMin, aMax, bMin, bMax] = [range[0] ?? -100, range[1] ?? 100, range[2] ?? -100, range[3] ?? 100];
  return {
    family: 'Lab',
    components: 3,
    canBeColour: true,
    colourOf: (v) => Math.abs(v[1] ?? 0) > LAB_EPSILON || Math.abs(v[2] ?? 0) > LAB_EPSILON,
    fromByte: (index, byte) =>
      index === 0
        ? (byte * 100) / 255
        : index === 1
          ? aMin + (byte * (aMax - aMin)) / 255
          : bMin + (byte * (bMax - bMin)) / 255,
  };
}

function verdictCode(verdict: Tri): number {
  return verdict === null ? 2 : verdict ? 1 : 0;
}

function indexedSpace(base: ColourSpace, hival: number, lookup: Buffer): ColourSpace {
  const entries = Math.max(1, Math.min(256, hival + 1));
  const palette = new Uint8Array(entries);
  const values = new Array<number>(base.components);
  for (let i = 0; i < entries; i += 1) {
    for (let c = 0; c < base.components; c += 1)
      values[c] = base.fromByte(c, lookup[i * base.components + c] ?? 0);
    palette[i] = base.canBeColour === false ? 0 : verdictCode(base.colourOf(values));
  }
  const verdicts: Tri[] = [false, true, null];
  return {
    family: 'Indexed',
    components: 1,
    canBeColour: palette.includes(1) ? true : palette.includes(2) ? null : false,
    colourOf: (v) => verdicts[palette[Math.max(0, Math.min(entries - 1, Math.round(v[0] ?? 0)))]],
    fromByte: (_index, byte) => byte,
    palette,
  };
}

/** Evaluates a Type 2 function at `t`, or returns null for any other function type. */
async function exponential(doc: PdfDocument, fn: PdfObject, t: number): Promise<number[] | null> {
  const dict = asDict(await doc.resolve(fn));
  if (!dict || asNumber(await doc.resolve(dict.get('FunctionType'))) !== 2) return null;
  const c0 = (asArray(await doc.resolve(dict.get('C0'))) ?? [0]).map((n) => asNumber(n) ?? 0);
  const c1 = (asArray(await doc.resolve(dict.get('C1'))) ?? [1]).map((n) => asNumber(n) ?? 0);
  const n = asNumber(await doc.resolve(dict.get('N'))) ?? 1;
  const x = Math.pow(Math.max(0, Math.min(1, t)), n);
  return c0.map((c, i) => c + x * ((c1[i] ?? 0) - c));
}

async function separationSpace(
  doc: PdfDocument,
  array: PdfObject[],
  depth: number,
  lookupNamed: NamedLookup,
): Promise<ColourSpace> {
  const colorant = asName(await doc.resolve(array[1])) ?? '';
  if (MONO_COLORANTS.has(colorant)) return { ...GREY, family: `Separation ${colorant}` };
  const alternate = await readColourSpace(doc, array[2] ?? null, lookupNamed, depth + 1);
  // A Type 2 tint transform is linear in its colour: its colour at full tint decides for every tint above zero.
  const atFull = await exponential(doc, array[3] ?? null, 1);
  const spotIsColour: Tri = atFull && alternate.canBeColour !== null ? alternate.colourOf(atFull) : true;
  return {
    family: `Separation ${colorant}`,
    components: 1,
    canBeColour: spotIsColour,
    colourOf: (v) => ((v[0] ?? 1) > COLOUR_EPSILON ? spotIsColour : false),
    fromByte: unitByte,
  };
}

async function deviceNSpace(doc: PdfDocument, array: PdfObject[]): Promise<ColourSpace> {
  const names = (asArray(await doc.resolve(array[1])) ?? []).map((n) => (typeof n === 'string' ? n : ''));
  const colourful = names.map((name) => !MONO_COLORANTS.has(name));
  return {
    family: 'DeviceN',
    components: Math.max(1, names.length),
    canBeColour: colourful.includes(true),
    colourOf: (v) => colourful.some((isColour, i) => isColour && (v[i] ?? 1) > COLOUR_EPSILON),
    fromByte: unitByte,
  };
}

async function lookupBytes(doc: PdfDocument, value: PdfObject): Promise<Buffer> {
  const lookup = await doc.resolve(value);
  if (lookup instanceof PdfString) return lookup.bytes;
  if (lookup instanceof PdfStream) return (await doc.streamData(lookup, 256 * 32)).data;
  return Buffer.alloc(0);
}

/** Looks up a colour space by its resource name (`/CS0`). */
export type NamedLookup = (name: string) => Promise<PdfObject | undefined>;

/** Interprets a colour-space object: a name (device or resource) or an array `[/Family ...]`. */
export async function readColourSpace(
  doc: PdfDocument,
  value: PdfObject,
  lookupNamed: NamedLookup,
  depth = 0,
): Promise<ColourSpace> {
  if (depth > MAX_NESTING) return unknownSpace('nested too deeply');
  const resolved = await doc.resolve(value);
  if (typeof resolved === 'string') {
    const device = deviceSpace(resolved);
    if (device) return device;
    const named = await lookupNamed(resolved);
    return named === undefined ? unknownSpace(resolved) : readColourSpace(doc, named, lookupNamed, depth + 1);
  }
  const array = asArray(resolved);
  const family = asName(await doc.resolve(array?.[0]));
  if (!array || !family) return unknownSpace('invalid');
  switch (family) {
    case 'DeviceGray':
    case 'CalGray':
    case 'DeviceRGB':
    case 'CalRGB':
    case 'DeviceCMYK':
    case 'G':
    case 'RGB':
    case 'CMYK':
      return deviceSpace(family) as ColourSpace;
    case 'Lab':
      return labSpace(await doc.resolveDict(array[1]));
    case 'ICCBased':
      return iccSpace(doc, array[1] ?? null, lookupNamed, depth);
    case 'Indexed':
    case 'I': {
      const base = await readColourSpace(doc, array[1] ?? null, lookupNamed, depth + 1);
      const hival = asNumber(await doc.resolve(array[2])) ?? 255;
      return indexedSpace(base, hival, await lookupBytes(doc, array[3] ?? null));
    }
    case 'Separation':
      return separationSpace(doc, array, depth, lookupNamed);
    case 'DeviceN':
      return deviceNSpace(doc, array);
    case 'Pattern':
      return patternSpace(
        array.length > 1 ? await readColourSpace(doc, array[1], lookupNamed, depth + 1) : null,
      );
    default:
      return unknownSpace(family);
  }
}

async function iccSpace(
  doc: PdfDocument,
  value: PdfObject,
  lookupNamed: NamedLookup,
  depth: number,
): Promise<ColourSpace> {
  const dict = await doc.resolveDict(value);
  const n = asNumber(await doc.resolve(dict?.get('N')));
  if (n === 1) return GREY;
  if (n === 3) return RGB;
  if (n === 4) return CMYK;
  const alternate = dict?.get('Alternate');
  return alternate === undefined
    ? unknownSpace('ICCBased')
    : readColourSpace(doc, alternate, lookupNamed, depth + 1);
}
