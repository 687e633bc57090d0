/**
 * What a PCL XL page says about its sheet: paper (BeginPage MediaSize as an enumeration or a name, or
 * CustomMediaSize with its units), MediaType, the simplex/duplex mode, and PageCopies; and how per-page copies
 * fold into one job-level `copies` figure. Paper is reported as PWG media names through `media.ts`, from the
 * dimensions of the XL media-size table, so every language names a given size the same way.
 */
import { mediaNameForKeyword, mediaNameForMm } from './media';
import type { DuplexMode, PageFacts } from './pdl-types';
import {
  Attr,
  DUPLEX_VERTICAL_BINDING,
  ELEMENT_REAL32,
  ORIENTATION_LANDSCAPE,
  ORIENTATION_REVERSE_LANDSCAPE,
} from './pclxl-tags';
import { type AttributeList, valueInteger, valueNumber, valueString } from './pclxl-values';

/** A page as the analyser reports it: PageFacts plus the XL MediaType name (the contract has no field yet). */
export interface PclXlPageFacts extends PageFacts {
  mediaType?: string | null;
}

interface MediaSizeEntry {
  names: string[];
  widthMm: number;
  heightMm: number;
}

const DOTS_PER_MM = 300 / 25.4;

/** The XL media-size enumeration (XL 2.0/2.1 values plus Ricoh's), sizes in 300 dpi dots as ghostpcl lists them. */
const MEDIA_SIZES = new Map<number, MediaSizeEntry>(
  (
    [
      [0, ['letter'], 2550, 3300],
      [1, ['legal'], 2550, 4200],
      [2, ['a4'], 2480, 3507],
      [3, ['exec', 'executive'], 2175, 3150],
      [4, ['ledger', 'tabloid'], 3300, 5100],
      [5, ['a3'], 3507, 4960],
      [6, ['com10'], 1237, 2850],
      [7, ['monarch'], 1162, 2250],
      [8, ['c5'], 1913, 2704],
      [9, ['dl'], 1299, 2598],
      [10, ['jisb4', 'jb4'], 3035, 4299],
      [11, ['jisb5', 'jb5'], 2150, 3035],
      [12, ['b5', 'b5envelope'], 2078, 2952],
      [13, ['b5paper'], 2150, 3035],
      [14, ['jpost', 'jpostcard'], 1181, 1748],
      [15, ['jpostd', 'jdoublepostcard'], 2362, 1748],
      [16, ['a5'], 1748, 2480],
      [17, ['a6'], 1240, 1748],
      [18, ['jisb6', 'jb6'], 1512, 2150],
      [19, ['jis8k'], 3154, 4606],
      [20, ['jis16k'], 2303, 3154],
      [21, ['jisexec'], 2551, 3898],
      [201, ['b6jis'], 1512, 2150],
      [202, ['c6'], 1345, 1912],
      [203, ['8kai'], 3154, 4608],
      [204, ['16kai'], 2304, 3154],
      [205, ['12x18'], 3600, 5400],
      [212, ['13x19.2'], 3900, 5758],
      [213, ['13x19'], 3900, 5700],
      [214, ['12.6x19.2'], 3779, 5758],
      [215, ['12.6x18.5'], 3779, 5550],
      [216, ['13x18'], 3900, 5400],
      [217, ['sra3'], 3779, 5316],
      [218, ['sra4'], 2658, 3779],
      [219, ['226x310'], 2670, 3662],
      [220, ['310x432'], 3662, 5104],
      [221, ['engquatro'], 2400, 3000],
      [222, ['11x14'], 3300, 4200],
      [223, ['11x15'], 3300, 4500],
      [224, ['10x14'], 3000, 4200],
    ] as const
  ).map(([code, names, w, h]) => [
    code,
    { names: [...names], widthMm: w / DOTS_PER_MM, heightMm: h / DOTS_PER_MM },
  ]),
);

const MEDIA_BY_NAME = new Map<string, MediaSizeEntry>();
for (const entry of MEDIA_SIZES.values()) for (const name of entry.names) MEDIA_BY_NAME.set(name, entry);

/** CustomMediaSizeUnits: eInch, eMillimeter, eTenthsOfAMillimeter, as millimetres per unit. */
const MM_PER_UNIT = [25.4, 1, 0.1];

/** The page set-up one BeginPage declares, before the page is painted. */
export interface PageSetup {
  paper: string | null;
  mediaType: string | null;
  duplex: DuplexMode | null;
  /** PageCopies given at BeginPage (drivers normally give it at EndPage). */
  copies: number | null;
}

/** Reads a BeginPage's attributes. `warn` hears about sizes it cannot name. */
export function readPageSetup(attributes: AttributeList, warn: (message: string) => void): PageSetup {
  return {
    paper: readPaper(attributes, warn),
    mediaType: printable(valueString(attributes.get(Attr.MediaType))),
    duplex: readDuplex(attributes),
    copies: valueInteger(attributes.get(Attr.PageCopies)),
  };
}

/** A name from the job, safe to show: control characters replaced, at most 64 characters. */
function printable(text: string | null): string | null {
  return text === null ? null : text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?').slice(0, 64);
}

function readPaper(attributes: AttributeList, warn: (message: string) => void): string | null {
  const custom = attributes.get(Attr.CustomMediaSize);
  if (custom && custom.count === 2) {
    const unit = MM_PER_UNIT[valueInteger(attributes.get(Attr.CustomMediaSizeUnits)) ?? 0] ?? 25.4;
    const width = valueNumber(custom, 0) ?? 0;
    const height = valueNumber(custom, 1) ?? 0;
    if (width > 0 && height > 0 && Number.isFinite(width * height)) {
      return mediaNameForMm(width * unit, height * unit);
    }
  }
  const size = attributes.get(Attr.MediaSize);
  if (!size) return null;
  if (size.isArray) {
    const name = valueString(size);
    if (name === null) return null;
    const entry = MEDIA_BY_NAME.get(name.toLowerCase().replace(/[\s_-]/g, ''));
    const known = entry ? mediaNameForMm(entry.widthMm, entry.heightMm) : mediaNameForKeyword(name);
    if (!known) warn(`unknown PCL XL media size name "${printable(name)}": paper not reported`);
    return known;
  }
  const code = size.type === ELEMENT_REAL32 ? null : valueInteger(size);
  const entry = code === null ? undefined : MEDIA_SIZES.get(code);
  // eDefaultPaperSize (96) means "whatever the printer has": the document does not say.
  if (!entry) {
    if (code !== 96) warn(`unknown PCL XL media size ${code ?? '?'}: paper not reported`);
    return null;
  }
  return mediaNameForMm(entry.widthMm, entry.heightMm);
}

/**
 * The page's duplex mode. Bindings are named against the page as oriented: DuplexVerticalBinding binds along the
 * vertical edge, which is the paper's long edge in portrait and its short edge in landscape (gs's pxl driver,
 * always portrait, writes VerticalBinding for /Tumble false, i.e. long-edge). No mode at all: the printer default.
 */
function readDuplex(attributes: AttributeList): DuplexMode | null {
  if (attributes.has(Attr.DuplexPageMode)) {
    const vertical = valueInteger(attributes.get(Attr.DuplexPageMode)) === DUPLEX_VERTICAL_BINDING;
    const orientation = valueInteger(attributes.get(Attr.Orientation));
    const landscape = orientation === ORIENTATION_LANDSCAPE || orientation === ORIENTATION_REVERSE_LANDSCAPE;
    return vertical !== landscape ? 'long-edge' : 'short-edge';
  }
  if (attributes.has(Attr.SimplexPageMode)) return 'simplex';
  return null;
}

/**
 * The finished pages, in order, and the PageCopies each asked for (null: not given). Two parallel lists rather
 * than a record per page: a large job has hundreds of thousands of pages.
 */
export interface PageRecords {
  facts: PclXlPageFacts[];
  copies: (number | null)[];
}

/** Pages of one copy and the job's copies, after folding per-page PageCopies. */
export interface FoldedCopies {
  pages: PclXlPageFacts[];
  copies: number | null;
  warning: string | null;
}

const MAX_UNFOLDED_PAGES = 1_000_000;

/**
 * Folds per-page PageCopies into one `copies` figure without changing what gets printed. A printer prints each
 * page PageCopies times (1 when not given). When every page asks for the same N (what drivers and gs write for
 * NumCopies), that is `copies` = N over one list of pages. When pages differ, `copies` is their greatest common
 * divisor g and each page appears PageCopies / g times in the list (0 copies: not at all), so pages × copies is
 * still exactly what comes out. `copies` is null when no page set PageCopies.
 */
export function foldPageCopies(records: PageRecords): FoldedCopies {
  const pages = records.facts;
  if (records.copies.every((copies) => copies === null)) return { pages, copies: null, warning: null };
  const counts = records.copies.map((copies) => Math.max(0, copies ?? 1));
  const divisor = counts.reduce((g, n) => gcd(g, n), 0);
  if (counts.every((n) => n === counts[0])) return { pages, copies: counts[0], warning: null };
  const total = counts.reduce((sum, n) => sum + n / divisor, 0);
  if (total > MAX_UNFOLDED_PAGES) {
    return {
      pages,
      copies: counts.reduce((max, n) => Math.max(max, n), 0),
      warning:
        'pages ask for wildly different PageCopies: copies is the largest, so the total is an upper bound',
    };
  }
  const unfolded: PclXlPageFacts[] = [];
  pages.forEach((facts, i) => {
    for (let n = 0; n < counts[i] / divisor; n += 1) unfolded.push(facts);
  });
  return {
    pages: unfolded,
    copies: divisor,
    warning:
      `pages ask for different PageCopies (${[...new Set(counts)].slice(0, 10).join(', ')}): copies is ` +
      `${divisor} and each page is listed PageCopies / ${divisor} times`,
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
