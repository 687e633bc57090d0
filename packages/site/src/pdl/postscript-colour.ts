/**
 * The colour model of the PostScript analyser: which colour spaces and colour values put chroma on paper. It is
 * shared by the PostScript operators (`setrgbcolor`, `setcolorspace`, ...) and by the PDF operators that
 * ghostscript's ps2write embeds in its output (`rg`, `cs`/`scn`, inline images).
 *
 * A colour is `gray` when it needs only black ink: DeviceGray, RGB with equal components, CMYK with no C, M or Y,
 * HSB with no saturation, a `Black`/`Gray` separation, a palette entry that is grey. It is `color` when it needs
 * colour ink (spot colours included), and `unknown` when the analyser cannot evaluate it (patterns, values
 * computed at run time). Components within {@link COMPONENT_TOLERANCE} count as equal: 8-bit greys written as
 * reals (0.300049) must stay grey, and a difference below half an 8-bit step is not visible.
 *
 * Here images are judged by their colour space ({@link imageClass}); an RGB or CMYK image whose samples are in
 * the job is then looked at pixel by pixel (postscript-image-pixels.ts), so a grey photo in RGB counts as grey.
 */

export type ColourClass = 'gray' | 'color' | 'unknown';

export type SpaceKind =
  'gray' | 'rgb' | 'cmyk' | 'lab' | 'separation' | 'devicen' | 'indexed' | 'pattern' | 'unknown';

/** A colour space, reduced to what decides whether a colour in it is grey. */
export interface ColourSpace {
  kind: SpaceKind;
  /** Number of components a colour value has in this space. */
  comps: number;
  /** Separation/DeviceN: per component, true when it is a chromatic ink (not Black, Gray or None). */
  inks?: boolean[];
  /** Indexed: the base space and the palette (null when the lookup table was not available). */
  base?: ColourSpace;
  palette?: Buffer | null;
}

export const COMPONENT_TOLERANCE = 0.002;

export const GRAY_SPACE: ColourSpace = { kind: 'gray', comps: 1 };
export const RGB_SPACE: ColourSpace = { kind: 'rgb', comps: 3 };
export const CMYK_SPACE: ColourSpace = { kind: 'cmyk', comps: 4 };
export const LAB_SPACE: ColourSpace = { kind: 'lab', comps: 3 };
export const PATTERN_SPACE: ColourSpace = { kind: 'pattern', comps: 1 };
export const UNKNOWN_SPACE: ColourSpace = { kind: 'unknown', comps: 0 };

const SPACE_BY_NAME: Record<string, ColourSpace> = {
  DeviceGray: GRAY_SPACE,
  G: GRAY_SPACE,
  CalGray: GRAY_SPACE,
  CIEBasedA: GRAY_SPACE,
  DeviceRGB: RGB_SPACE,
  RGB: RGB_SPACE,
  CalRGB: RGB_SPACE,
  CIEBasedABC: RGB_SPACE,
  DeviceCMYK: CMYK_SPACE,
  CMYK: CMYK_SPACE,
  CIEBasedDEFG: CMYK_SPACE,
  Lab: LAB_SPACE,
  Pattern: PATTERN_SPACE,
};

/** Inks that print with black toner only, or not at all. */
const NEUTRAL_INKS = new Set(['Black', 'Gray', 'Grey', 'None', 'K']);

/** The space a family name denotes (`DeviceRGB`, `/G` in inline images), or null for a family that needs parameters. */
export function spaceForName(name: string): ColourSpace | null {
  return SPACE_BY_NAME[name] ?? null;
}

/** A Separation space for colorant `ink`. `All` paints every plate, colour ones included. */
export function separationSpace(ink: string): ColourSpace {
  return { kind: 'separation', comps: 1, inks: [!NEUTRAL_INKS.has(ink)] };
}

/** A DeviceN space over the named colorants. */
export function deviceNSpace(inks: string[]): ColourSpace {
  return { kind: 'devicen', comps: inks.length, inks: inks.map((ink) => !NEUTRAL_INKS.has(ink)) };
}

/** An Indexed space; `palette` is the lookup table's bytes, or null when it came from a procedure or a stream. */
export function indexedSpace(base: ColourSpace, palette: Buffer | null): ColourSpace {
  return { kind: 'indexed', comps: 1, base, palette };
}

/** An ICCBased (or other N-component) space, by its component count. */
export function spaceForComponentCount(count: number): ColourSpace {
  if (count === 1) return GRAY_SPACE;
  if (count === 3) return RGB_SPACE;
  if (count === 4) return CMYK_SPACE;
  return UNKNOWN_SPACE;
}

const near = (a: number, b: number) => Math.abs(a - b) <= COMPONENT_TOLERANCE;

function classifyKnown(space: ColourSpace, c: number[]): ColourClass {
  switch (space.kind) {
    case 'gray':
      return 'gray';
    case 'rgb':
      return near(c[0], c[1]) && near(c[1], c[2]) ? 'gray' : 'color';
    case 'cmyk':
      return c[0] <= COMPONENT_TOLERANCE && c[1] <= COMPONENT_TOLERANCE && c[2] <= COMPONENT_TOLERANCE
        ? 'gray'
        : 'color';
    case 'lab':
      return near(c[1], 0) && near(c[2], 0) ? 'gray' : 'color';
    case 'separation':
    case 'devicen':
      return (space.inks ?? []).some((ink, i) => ink && (c[i] ?? 0) > COMPONENT_TOLERANCE) ? 'color' : 'gray';
    case 'indexed':
      return paletteEntryClass(space, c[0]);
    default:
      return 'unknown';
  }
}

/**
 * Whether the colour with components `values` in `space` is grey. Missing or unevaluated components (null)
 * make it `unknown`, unless the space is grey whatever the values.
 */
export function classifyColour(space: ColourSpace, values: (number | null)[]): ColourClass {
  if (space.kind === 'gray') return 'gray';
  if (space.kind === 'pattern' || space.kind === 'unknown') return 'unknown';
  if (values.length < space.comps || values.some((v) => v === null || !Number.isFinite(v))) return 'unknown';
  return classifyKnown(space, values as number[]);
}

/** The colour a space starts with when selected (PLRM `setcolorspace`: black, or tint/inks at 1.0). */
export function initialColour(space: ColourSpace): ColourClass {
  switch (space.kind) {
    case 'gray':
    case 'rgb':
    case 'cmyk':
    case 'lab':
      return 'gray';
    case 'separation':
    case 'devicen':
      return classifyKnown(space, new Array<number>(space.comps).fill(1));
    case 'indexed':
      return paletteEntryClass(space, 0);
    default:
      return 'unknown';
  }
}

function paletteEntryClass(space: ColourSpace, index: number): ColourClass {
  const base = space.base;
  const palette = space.palette;
  if (!base || !palette || base.comps === 0) return base?.kind === 'gray' ? 'gray' : 'unknown';
  const at = Math.round(index) * base.comps;
  if (at < 0 || at + base.comps > palette.length) return 'unknown';
  const entry: number[] = [];
  for (let i = 0; i < base.comps; i += 1) entry.push(palette[at + i] / 255);
  return classifyColour(base, entry);
}

/** How an image drawn in `space` prints: grey spaces and all-grey palettes are grey, other colour spaces colour. */
export function imageClass(space: ColourSpace): ColourClass {
  switch (space.kind) {
    case 'gray':
      return 'gray';
    case 'rgb':
    case 'cmyk':
    case 'lab':
    case 'devicen':
      return 'color';
    case 'separation':
      return space.inks?.[0] ? 'color' : 'gray';
    case 'indexed':
      return paletteClass(space);
    default:
      return 'unknown';
  }
}

function paletteClass(space: ColourSpace): ColourClass {
  const base = space.base;
  if (!base) return 'unknown';
  if (base.kind === 'gray') return 'gray';
  if (!space.palette || base.comps === 0) return 'unknown';
  const entries = Math.floor(space.palette.length / base.comps);
  for (let index = 0; index < entries; index += 1) {
    const entry = paletteEntryClass(space, index);
    if (entry !== 'gray') return entry;
  }
  return 'gray';
}

/** Converts HSB (PLRM `sethsbcolor`) to the class of the resulting RGB colour. */
export function hsbClass(
  hue: number | null,
  saturation: number | null,
  brightness: number | null,
): ColourClass {
  if (saturation !== null && saturation <= COMPONENT_TOLERANCE) return 'gray';
  if (brightness !== null && brightness <= COMPONENT_TOLERANCE) return 'gray';
  return hue === null || saturation === null || brightness === null ? 'unknown' : 'color';
}
