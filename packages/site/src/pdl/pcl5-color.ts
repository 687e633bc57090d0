/**
 * PCL 5 colour state, for per-page colour: the active palette (`ESC *r#U` simple colour, `ESC *v#W` configure
 * image data, `ESC *v#a#b#c#I` entries, HP-GL/2 `PC`/`NP`), the foreground colour (`ESC *v#S`), saved palettes
 * (`ESC &p#S/#I/#C`), and the monochrome switches (`ESC &b1M` monochrome print mode, monochrome render
 * algorithms `ESC *t#J`). A palette entry only records whether it is a colour; default palettes follow HP's
 * canonical order as ghostpcl (pcl/pcl/pcindxed.c) builds them. Raster rows are classified by their pixels:
 * palette indexes for the indexed encodings, the primaries themselves for the direct ones.
 */

/** Colour spaces of configure image data. */
const RGB = 0;
const CMY = 1;
const COLORIMETRIC = 2;
/** Pixel encodings of configure image data. */
const INDEXED_BY_PLANE = 0;
const INDEXED_BY_PIXEL = 1;
const DIRECT_BY_PLANE = 2;
const DIRECT_BY_PIXEL = 3;

/** A primary spread below this fraction of its range is grey (rounding in drivers' colour conversion). */
const GREY_TOLERANCE = 0.03;
const MAX_SAVED_PALETTES = 256;
const MAX_BITS_PER_INDEX = 8;
// Render algorithms that print everything in greys (PCL 5 Color Technical Reference, `ESC *t#J`).
const MONOCHROME_RENDERINGS = new Set([2, 5, 6, 8, 10, 12]);

// HP's canonical default colours: white, cyan, magenta, blue, yellow, green, red, black; 0 and 7 are greys.
const CANONICAL_IS_COLOUR = [false, true, true, true, true, true, true, false];
const RGB_ORDER = [
  [0, 7],
  [7, 6, 5, 0],
  [7, 6, 5, 4, 3, 2, 1, 0],
];
const CMY_ORDER = [
  [0, 7],
  [0, 1, 2, 7],
  [0, 1, 2, 3, 4, 5, 6, 7],
];
const GL2_ORDER = [
  [0, 7],
  [0, 7, 6, 5],
  [0, 7, 6, 5, 4, 3, 2, 1],
];

interface Palette {
  space: number;
  encoding: number;
  bitsPerIndex: number;
  bitsPerPrimary: number;
  /** Per entry: true when the entry is a colour. */
  colours: boolean[];
}

function defaultEntries(bitsPerIndex: number, order: number[][]): boolean[] {
  const size = 1 << Math.min(bitsPerIndex, MAX_BITS_PER_INDEX);
  const canonical = order[Math.min(bitsPerIndex, 3) - 1];
  const colours: boolean[] = [];
  for (let i = 0; i < size; i += 1) colours.push(i < canonical.length && CANONICAL_IS_COLOUR[canonical[i]]);
  return colours;
}

function monoPalette(): Palette {
  return {
    space: RGB,
    encoding: INDEXED_BY_PLANE,
    bitsPerIndex: 1,
    bitsPerPrimary: 1,
    colours: [false, false],
  };
}

function isColourValue(space: number, bitsPerPrimary: number, components: number[]): boolean {
  if (space === RGB || space === CMY || space === COLORIMETRIC) {
    const range = 2 ** Math.min(bitsPerPrimary, 16) - 1;
    return Math.max(...components) - Math.min(...components) > range * GREY_TOLERANCE;
  }
  // CIE L*a*b* and luminance-chrominance: grey when both chromatic components are (nearly) zero.
  return Math.abs(components[1]) > 2 || Math.abs(components[2]) > 2;
}

/** The colour state a macro call or an overlay runs with, and gives back unchanged to the caller. */
export interface ColourSnapshot {
  palette: Palette;
  foreground: boolean;
  components: number[];
  monochromeMode: boolean;
  monochromeRendering: boolean;
}

function copyPalette(palette: Palette): Palette {
  return { ...palette, colours: [...palette.colours] };
}

/** The colour state of a PCL 5 job. */
export class Pcl5Colour {
  private palette = monoPalette();
  private foreground = false;
  private components = [0, 0, 0];
  private monochromeMode = false;
  private monochromeRendering = false;
  private paletteControlId = 0;
  private readonly saved = new Map<number, Palette>();
  // Per raster: lookup of pixel bytes holding a colour index, for the indexed-by-pixel encoding.
  private byteTable: Uint8Array | null = null;

  /** `ESC E`: black foreground, two-entry black-and-white palette, colour allowed, saved palettes gone. */
  reset(): void {
    this.palette = monoPalette();
    this.foreground = false;
    this.components = [0, 0, 0];
    this.monochromeMode = false;
    this.monochromeRendering = false;
    this.saved.clear();
    this.byteTable = null;
  }

  /** A copy of the state, for {@link restore}. */
  snapshot(): ColourSnapshot {
    return {
      palette: copyPalette(this.palette),
      foreground: this.foreground,
      components: [...this.components],
      monochromeMode: this.monochromeMode,
      monochromeRendering: this.monochromeRendering,
    };
  }

  /** Back to a {@link snapshot} (saved palettes are shared, as on the printer). */
  restore(state: ColourSnapshot): void {
    this.palette = copyPalette(state.palette);
    this.foreground = state.foreground;
    this.components = [...state.components];
    this.monochromeMode = state.monochromeMode;
    this.monochromeRendering = state.monochromeRendering;
    this.byteTable = null;
  }

  private get greyOnly(): boolean {
    return this.monochromeMode || this.monochromeRendering;
  }

  /** Text and rules paint in colour (solid foreground). */
  get foregroundIsColour(): boolean {
    return this.foreground && !this.greyOnly;
  }

  /** `ESC &b#M`: 1 prints everything in greys. */
  setMonochromeMode(value: number): void {
    this.monochromeMode = value === 1;
  }

  /** `ESC *t#J`. */
  setRenderAlgorithm(value: number): void {
    this.monochromeRendering = MONOCHROME_RENDERINGS.has(value);
  }

  /** `ESC *r#U`: 1 black-and-white, 3 RGB, -3 CMY (eight entries, three planes). */
  simpleColour(value: number): void {
    if (value === 1) this.palette = monoPalette();
    else if (value === 3 || value === -3) {
      const space = value === 3 ? RGB : CMY;
      const order = value === 3 ? RGB_ORDER : CMY_ORDER;
      this.palette = {
        space,
        encoding: INDEXED_BY_PLANE,
        bitsPerIndex: 3,
        bitsPerPrimary: 1,
        colours: defaultEntries(3, order),
      };
    }
    this.byteTable = null;
  }

  /** `ESC *v#W`: configure image data (short or long form; only the first six bytes matter here). */
  configureImageData(data: Uint8Array): void {
    if (data.length < 6) return;
    const [space, encoding, indexBits] = data;
    const bitsPerPrimary = Math.max(data[3], data[4], data[5]);
    if (space > 4 || encoding > 3) return;
    const direct = encoding >= DIRECT_BY_PLANE;
    // Direct encodings ignore the bits per index (drivers send 0); their palette, for the foreground and
    // HP-GL/2 pens, then has the eight default colours.
    if (!direct && (indexBits < 1 || indexBits > MAX_BITS_PER_INDEX)) return;
    const bitsPerIndex = direct && (indexBits < 1 || indexBits > MAX_BITS_PER_INDEX) ? 3 : indexBits;
    const order = space === CMY ? CMY_ORDER : RGB_ORDER;
    this.palette = {
      space,
      encoding,
      bitsPerIndex,
      bitsPerPrimary,
      colours: defaultEntries(bitsPerIndex, order),
    };
    this.byteTable = null;
  }

  /** `ESC *v#A/B/C`: one component of the next palette entry. */
  setComponent(which: number, value: number): void {
    this.components[which] = value;
  }

  /** `ESC *v#I`: the pending components become palette entry `index`. */
  assignIndex(index: number): void {
    if (index >= 0 && index < this.palette.colours.length) {
      const bits = this.palette.encoding >= DIRECT_BY_PLANE ? this.palette.bitsPerPrimary : 8;
      this.palette.colours[index] = isColourValue(this.palette.space, bits, this.components);
      this.byteTable = null;
    }
    this.components = [0, 0, 0];
  }

  /** `ESC *v#S`: the foreground takes palette entry `index` as it is now. */
  selectForeground(index: number): void {
    if (index >= 0 && index < this.palette.colours.length) this.foreground = this.palette.colours[index];
  }

  /** HP-GL/2: true when pen `pen` draws in colour. */
  penIsColour(pen: number): boolean {
    const size = this.palette.colours.length;
    return !this.greyOnly && size > 0 && this.palette.colours[Math.abs(pen) % size];
  }

  /** HP-GL/2 `PC`: a pen's colour in the palette's colour space, or its default when `rgb` is null. */
  setPenColour(pen: number, rgb: [number, number, number] | null): void {
    const size = this.palette.colours.length;
    if (pen < 0 || pen >= size) return;
    this.palette.colours[pen] = rgb
      ? isColourValue(RGB, 8, rgb)
      : (defaultEntries(3, GL2_ORDER)[pen] ?? false);
  }

  /** HP-GL/2 `NP`: the palette grows (GL/2 default colours) or shrinks to the next power of two. */
  setPenCount(count: number): void {
    const bits = Math.min(MAX_BITS_PER_INDEX, Math.max(1, Math.ceil(Math.log2(Math.max(2, count)))));
    const current = this.palette.colours;
    const defaults = defaultEntries(bits, GL2_ORDER);
    this.palette.colours = defaults.map((value, index) => (index < current.length ? current[index] : value));
    this.byteTable = null;
  }

  /** `ESC &p#I`. */
  setPaletteControlId(id: number): void {
    this.paletteControlId = id;
  }

  /** `ESC &p#C`: 0 and 1 delete saved palettes, 2 deletes the one with the control id, 6 saves the active one. */
  paletteControl(operation: number): void {
    if (operation === 0 || operation === 1) this.saved.clear();
    else if (operation === 2) this.saved.delete(this.paletteControlId);
    else if (
      operation === 6 &&
      (this.saved.size < MAX_SAVED_PALETTES || this.saved.has(this.paletteControlId))
    ) {
      this.saved.set(this.paletteControlId, copyPalette(this.palette));
    }
  }

  /** `ESC &p#S`: make a saved palette active (a missing one gives the default palette). */
  selectPalette(id: number): void {
    const palette = this.saved.get(id);
    this.palette = palette ? copyPalette(palette) : monoPalette();
    this.byteTable = null;
  }

  /** Planes per raster row under the current configuration. */
  get rasterPlanes(): number {
    const { encoding, bitsPerIndex } = this.palette;
    if (encoding === INDEXED_BY_PLANE) return bitsPerIndex;
    return encoding === DIRECT_BY_PLANE ? 3 : 1;
  }

  /**
   * Whether raster under the current configuration can paint colour: false (never), true (only the pixels
   * tell), or null when the encoding is one whose pixels this reader does not classify.
   */
  get rasterMayBeColour(): boolean | null {
    const { space, encoding, bitsPerPrimary, colours } = this.palette;
    if (this.greyOnly) return false;
    if (encoding === INDEXED_BY_PLANE || encoding === INDEXED_BY_PIXEL) return colours.some((entry) => entry);
    if (space !== RGB && space !== CMY && space !== COLORIMETRIC) return null;
    if (encoding === DIRECT_BY_PLANE) return bitsPerPrimary === 1 ? true : null;
    return bitsPerPrimary === 8 ? true : null;
  }

  /** True when the changed `spans` (flat from/to pairs) of a decoded row hold a colour pixel. */
  rowHasColour(planes: Uint8Array[], spans: readonly number[]): boolean {
    for (let s = 0; s + 1 < spans.length; s += 2) {
      if (this.spanHasColour(planes, spans[s], spans[s + 1])) return true;
    }
    return false;
  }

  private spanHasColour(planes: Uint8Array[], from: number, to: number): boolean {
    const { encoding, bitsPerIndex } = this.palette;
    if (encoding === DIRECT_BY_PIXEL) return this.directPixels(planes[0], from, to);
    if (encoding === DIRECT_BY_PLANE) return planesDiffer(planes, from, to);
    if (encoding === INDEXED_BY_PIXEL) return this.indexedPixels(planes[0], from, to, bitsPerIndex);
    return this.indexedPlanes(planes, from, to);
  }

  private directPixels(row: Uint8Array, from: number, to: number): boolean {
    const tolerance = Math.floor(255 * GREY_TOLERANCE);
    // A changed byte changes its whole pixel: widen the range to pixel boundaries.
    const end = Math.min(row.length, Math.ceil(to / 3) * 3);
    for (let k = from - (from % 3); k + 2 < end; k += 3) {
      const r = row[k];
      const g = row[k + 1];
      const b = row[k + 2];
      // Most pixels of a grey page are exact greys; the spread test is for the others.
      if (r === g && g === b) continue;
      const rg = r - g;
      const gb = g - b;
      const rb = r - b;
      if (rg > tolerance || rg < -tolerance || gb > tolerance || gb < -tolerance) return true;
      if (rb > tolerance || rb < -tolerance) return true;
    }
    return false;
  }

  private indexedPixels(row: Uint8Array, from: number, to: number, bits: number): boolean {
    if (!this.byteTable) this.byteTable = buildByteTable(this.palette.colours, bits);
    const table = this.byteTable;
    for (let k = from; k < to; k += 1) if (table[row[k]]) return true;
    return false;
  }

  private indexedPlanes(planes: Uint8Array[], from: number, to: number): boolean {
    const colours = this.palette.colours;
    if (planes.length === 3 && colours.length === 8 && colours.every((c, i) => c === (i !== 0 && i !== 7))) {
      return planesDiffer(planes, from, to);
    }
    for (let k = from; k < to; k += 1) {
      for (let bit = 7; bit >= 0; bit -= 1) {
        let index = 0;
        for (let p = 0; p < planes.length; p += 1) index |= ((planes[p][k] >> bit) & 1) << p;
        if (colours[index]) return true;
      }
    }
    return false;
  }
}

/** Three one-bit planes: a pixel is a colour unless its three bits agree (white or black). */
function planesDiffer(planes: Uint8Array[], from: number, to: number): boolean {
  if (planes.length < 3) return false;
  const [a, b, c] = planes;
  for (let k = from; k < to; k += 1) if ((a[k] ^ b[k]) | (b[k] ^ c[k])) return true;
  return false;
}

function buildByteTable(colours: boolean[], bits: number): Uint8Array {
  const table = new Uint8Array(256);
  const width = [1, 2, 4, 8].includes(bits) ? bits : 8;
  const mask = (1 << width) - 1;
  for (let value = 0; value < 256; value += 1) {
    for (let shift = 8 - width; shift >= 0; shift -= width) {
      if (colours[(value >> shift) & mask]) table[value] = 1;
    }
  }
  return table;
}
