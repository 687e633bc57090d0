/**
 * Writes the PostScript sources of the PDL accuracy tests: documents of chosen pages (which are painted in colour,
 * on which paper), duplex and copies, in several programming styles drivers and people use (DSC with procedures,
 * plain unstructured code, loops, a PPD-driver-like file with feature comments). Colour and grey are painted with
 * every kind of colour operator, so the source itself is the ground truth of each page's colour.
 */
import { type DuplexMode } from '../src/pdl/pdl-types';

export type Paper = 'a4' | 'letter' | 'a3';
export type Style = 'dsc' | 'plain' | 'procs' | 'loop' | 'driver';

export interface PsSpec {
  name: string;
  style: Style;
  /** Per page: painted in colour? (loop style: page i is colour when i % colourEvery === 0). */
  colours: boolean[];
  papers: Paper[];
  duplex: DuplexMode | null;
  copies: number | null;
  copiesVia: 'NumCopies' | '#copies';
}

export const PAPER_POINTS: Record<Paper, [number, number]> = {
  a4: [595, 842],
  letter: [612, 792],
  a3: [842, 1191],
};
export const PAPER_PWG: Record<Paper, string> = {
  a4: 'iso_a4_210x297mm',
  letter: 'na_letter_8.5x11in',
  a3: 'iso_a3_297x420mm',
};

/** Colour paint variants: each sets a colour and paints with it. */
const COLOUR_PAINTS = [
  '1 0 0 setrgbcolor 100 300 200 150 rectfill',
  '0 0.8 0 0 setcmykcolor 100 300 moveto 300 300 lineto 300 450 lineto closepath fill',
  '0.6 1 1 sethsbcolor 100 300 200 150 rectfill',
  '/DeviceRGB setcolorspace 0 0 1 setcolor newpath 100 300 moveto 400 500 lineto 8 setlinewidth stroke',
  'gsave 100 300 translate 100 100 scale 2 2 8 [2 0 0 2 0 0] {<ff000000ff000000ffffff00>} false 3 colorimage grestore',
  '[/Separation /Spot /DeviceCMYK {dup 0.5 mul exch 0 exch 0}] setcolorspace 1 setcolor 100 300 200 150 rectfill',
  '0 0 1 setrgbcolor /Helvetica findfont 30 scalefont setfont 100 300 moveto (Blue words) show',
];

/** Grey paint variants: they look like colour operators but need black ink only. */
const GREY_PAINTS = [
  '0.5 setgray 100 300 200 150 rectfill',
  '0.4 0.4 0.4 setrgbcolor 100 300 200 150 rectfill',
  '0 0 0 0.7 setcmykcolor 100 300 200 150 rectfill',
  '0.5 0 0.3 sethsbcolor 100 300 200 150 rectfill',
  '/DeviceGray setcolorspace 0.2 setcolor newpath 100 300 moveto 400 500 lineto 8 setlinewidth stroke',
  'gsave 100 300 translate 100 100 scale 2 2 8 [2 0 0 2 0 0] {<20806040>} image grestore',
  // A colour set inside gsave and dropped before painting leaves the page grey.
  'gsave 1 0 0 setrgbcolor grestore 100 300 200 150 rectfill',
];

function pageBody(page: number, colour: boolean): string {
  const paints = colour ? COLOUR_PAINTS : GREY_PAINTS;
  return [
    '0 setgray /Helvetica findfont 24 scalefont setfont',
    `72 72 moveto (Page ${page}) show`,
    paints[page % paints.length],
  ].join('\n');
}

function pageSize(paper: Paper): string {
  const [w, h] = PAPER_POINTS[paper];
  return `<< /PageSize [${w} ${h}] >> setpagedevice`;
}

function setup(spec: PsSpec, withFeatures: boolean): string {
  const lines: string[] = [];
  if (spec.duplex !== null) {
    const duplex = spec.duplex !== 'simplex';
    const tumble = spec.duplex === 'short-edge';
    const choice = !duplex ? 'None' : tumble ? 'DuplexTumble' : 'DuplexNoTumble';
    if (withFeatures) lines.push(`%%BeginFeature: *Duplex ${choice}`);
    lines.push(`<< /Duplex ${duplex} /Tumble ${tumble} >> setpagedevice`);
    if (withFeatures) lines.push('%%EndFeature');
  }
  if (spec.copies !== null) {
    lines.push(
      spec.copiesVia === 'NumCopies'
        ? `<< /NumCopies ${spec.copies} >> setpagedevice`
        : `/#copies ${spec.copies} def`,
    );
  }
  return lines.join('\n');
}

function dscDocument(spec: PsSpec, usePageProc: boolean): string {
  const out = ['%!PS-Adobe-3.0', `%%Pages: ${spec.colours.length}`, '%%EndComments', '%%BeginProlog'];
  if (usePageProc) out.push('/EP { showpage } bind def', '/F { rectfill } bind def');
  out.push('%%EndProlog', '%%BeginSetup', setup(spec, true), '%%EndSetup');
  spec.colours.forEach((colour, index) => {
    out.push(
      `%%Page: ${index + 1} ${index + 1}`,
      '%%BeginPageSetup',
      pageSize(spec.papers[index]),
      '%%EndPageSetup',
    );
    out.push(pageBody(index + 1, colour), usePageProc ? 'EP' : 'showpage');
  });
  out.push('%%Trailer', '%%EOF', '');
  return out.join('\n');
}

function plainDocument(spec: PsSpec): string {
  const out = ['%!PS', setup(spec, false)];
  spec.colours.forEach((colour, index) => {
    out.push(pageSize(spec.papers[index]), pageBody(index + 1, colour), 'showpage');
  });
  return `${out.join('\n')}\n`;
}

/** Pages through one procedure that takes the colour choice and the paper as arguments. */
function procsDocument(spec: PsSpec): string {
  const out = [
    '%!PS',
    setup(spec, false),
    '/pg { /c exch def setpagedevice',
    '  0 setgray /Helvetica findfont 24 scalefont setfont 72 72 moveto (Page) show',
    '  c { 1 0 0 setrgbcolor } { 0.3 0.3 0.3 setrgbcolor } ifelse',
    '  100 300 200 150 rectfill showpage } bind def',
  ];
  spec.colours.forEach((colour, index) => {
    const [w, h] = PAPER_POINTS[spec.papers[index]];
    out.push(`<< /PageSize [${w} ${h}] >> ${colour} pg`);
  });
  return `${out.join('\n')}\n`;
}

/** One paper for the whole document, pages from a `for` loop; page i is colour when the spec says so. */
function loopDocument(spec: PsSpec): string {
  const colourPages = spec.colours.flatMap((colour, index) => (colour ? [index + 1] : []));
  return [
    '%!PS',
    setup(spec, false),
    pageSize(spec.papers[0]),
    `/colourpages [${colourPages.join(' ')}] def`,
    `1 1 ${spec.colours.length} { /i exch def`,
    '  /c false def colourpages { i eq { /c true def } if } forall',
    '  0 setgray /Helvetica findfont 24 scalefont setfont 72 72 moveto (Page) show',
    '  c { 0 0.5 1 setrgbcolor } { 0 setgray } ifelse 100 300 200 150 rectfill',
    '  showpage } for',
    '',
  ].join('\n');
}

/** A PPD-driver-like file: `(atend)` page count, feature comments, a prolog of short procedure names. */
function driverDocument(spec: PsSpec): string {
  const out = [
    '%!PS-Adobe-3.0',
    '%%Pages: (atend)',
    '%%DocumentMedia: Plain 595 842 0 () ()',
    '%%EndComments',
  ];
  out.push(
    '%%BeginProlog',
    '/bd { bind def } bind def',
    '/rgb { setrgbcolor } bd',
    '/k /setcmykcolor load def',
  );
  out.push('/gr { setgray } bd', '/rf { rectfill } bd', '/sp { showpage } bd', '%%EndProlog', '%%BeginSetup');
  out.push(setup(spec, true), '%%EndSetup');
  spec.colours.forEach((colour, index) => {
    const [w, h] = PAPER_POINTS[spec.papers[index]];
    const keyword = spec.papers[index] === 'letter' ? 'Letter' : spec.papers[index].toUpperCase();
    out.push(`%%Page: ${index + 1} ${index + 1}`, '%%BeginPageSetup', `%%BeginFeature: *PageSize ${keyword}`);
    out.push(`<< /PageSize [${w} ${h}] >> setpagedevice`, '%%EndFeature', '%%EndPageSetup', 'save');
    out.push(
      colour ? '0 0 0.6 0 k 50 50 100 100 rf' : '0 0 0 1 k 50 50 100 100 rf 0.5 0.5 0.5 rgb 200 200 50 50 rf',
    );
    out.push('0 gr 300 300 20 20 rf', 'restore sp');
  });
  out.push('%%Trailer', `%%Pages: ${spec.colours.length}`, '%%EOF', '');
  return out.join('\n');
}

/** The PostScript text of `spec`. */
export function writePostScript(spec: PsSpec): string {
  switch (spec.style) {
    case 'dsc':
      return dscDocument(spec, spec.colours.length % 2 === 0);
    case 'plain':
      return plainDocument(spec);
    case 'procs':
      return procsDocument(spec);
    case 'loop':
      return loopDocument(spec);
    default:
      return driverDocument(spec);
  }
}

/** A small deterministic generator, so every run builds the same corpus. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

const STYLES: Style[] = ['dsc', 'plain', 'procs', 'loop', 'driver'];
const DUPLEXES: (DuplexMode | null)[] = [null, 'simplex', 'long-edge', 'short-edge'];

/** `count` specs covering every style, 1–50 pages, mixed colour, A4/Letter/A3, all duplex modes, copies. */
export function buildSpecs(count: number, seed: number): PsSpec[] {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  return Array.from({ length: count }, (_, index) => {
    const style = STYLES[index % STYLES.length];
    const pages = index < STYLES.length ? 1 + index : 1 + Math.floor(random() * 50);
    const onePaper = style === 'loop' ? pick<Paper>(['a4', 'letter', 'a3']) : null;
    return {
      name: `${String(index).padStart(3, '0')}-${style}-${pages}p`,
      style,
      colours: Array.from({ length: pages }, () => random() < 0.4),
      papers: Array.from({ length: pages }, () => onePaper ?? pick<Paper>(['a4', 'letter', 'a3'])),
      duplex: DUPLEXES[index % DUPLEXES.length],
      copies: index % 3 === 0 ? 2 + (index % 4) : null,
      copiesVia: index % 2 === 0 ? 'NumCopies' : '#copies',
    };
  });
}

/**
 * Ghostscript's ps2write drops Duplex and NumCopies; a spooler (CUPS pstops) re-inserts them as DSC features in
 * the setup section. This does the same, so the ps2write files carry the duplex and copies their source asked for.
 */
export function withSetupFeatures(ps2write: string, spec: PsSpec): string {
  const lines: string[] = [];
  if (spec.duplex !== null) {
    const duplex = spec.duplex !== 'simplex';
    const tumble = spec.duplex === 'short-edge';
    const choice = !duplex ? 'None' : tumble ? 'DuplexTumble' : 'DuplexNoTumble';
    lines.push(
      `%%BeginFeature: *Duplex ${choice}`,
      `<< /Duplex ${duplex} /Tumble ${tumble} >> setpagedevice`,
    );
    lines.push('%%EndFeature');
  }
  if (spec.copies !== null) {
    lines.push(`%%BeginNonPPDFeature: NumCopies ${spec.copies}`, '%%EndNonPPDFeature');
  }
  if (lines.length === 0) return ps2write;
  return ps2write.replace('%%EndProlog\n', `%%EndProlog\n%%BeginSetup\n${lines.join('\n')}\n%%EndSetup\n`);
}
