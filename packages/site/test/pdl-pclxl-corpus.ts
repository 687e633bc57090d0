/**
 * The PostScript sources of the PCL XL accuracy corpus and their ground truth. Each source says, page by page,
 * which paper it uses and whether it paints in colour, and sets duplex and NumCopies through setpagedevice;
 * ghostscript then renders it to PCL XL. Colour pages use a variety of vivid colour marks (fills, strokes, text,
 * RGB and CMYK, images); mono pages use black, greys, RGB greys, K-only CMYK, grey text and grey images (also
 * drawn as RGB images), and a few are blank, so that "the page set eRGB" is never mistaken for colour.
 */

export type Paper = 'A4' | 'Letter' | 'A3';
export type Duplex = 'simplex' | 'long-edge' | 'short-edge';

/** One page of a source: its paper, whether it paints in colour, and which mark it uses. */
export interface PageSpec {
  paper: Paper;
  colour: boolean;
  mark: number;
}

/** One source document. */
export interface SourceSpec {
  name: string;
  pages: PageSpec[];
  duplex: Duplex;
  /** NumCopies; null when the source leaves it unset. */
  copies: number | null;
}

const PAGE_SIZE: Record<Paper, [number, number]> = { A4: [595, 842], Letter: [612, 792], A3: [842, 1191] };

/** PWG names the analyser must report for each paper. */
export const PWG_NAME: Record<Paper, string> = {
  A4: 'iso_a4_210x297mm',
  Letter: 'na_letter_8.5x11in',
  A3: 'iso_a3_297x420mm',
};

const IMAGE = '72 400 translate 200 200 scale 4 4 8 [4 0 0 -4 0 4]';
const COLOUR_MARKS = [
  '1 0 0 setrgbcolor 72 72 300 300 rectfill',
  '0 0.6 0 setrgbcolor 8 setlinewidth 72 72 moveto 400 500 lineto stroke',
  '/Helvetica findfont 36 scalefont setfont 0 0 1 setrgbcolor 72 300 moveto (Colour text) show',
  `gsave ${IMAGE} {<ff0000 00ff00 0000ff ffff00 ff00ff 00ffff 808080 000000 ff0000 00ff00 0000ff ffff00 ff00ff 00ffff 808080 000000>} false 3 colorimage grestore`,
  '0 1 1 0 setcmykcolor 100 100 250 250 rectfill',
  '0.9 0.5 0.1 setrgbcolor 300 300 80 0 360 arc fill 0 setgray 72 72 100 100 rectfill',
];
const MONO_MARKS = [
  '0 setgray 72 72 300 300 rectfill',
  '0.5 setgray 72 72 300 300 rectfill',
  '0.3 0.3 0.3 setrgbcolor 72 72 300 300 rectfill 0.8 0.8 0.8 setrgbcolor 4 setlinewidth 72 72 moveto 300 400 lineto stroke',
  '/Times-Roman findfont 30 scalefont setfont 0.2 setgray 72 300 moveto (Grey text only) show',
  `gsave ${IMAGE} {<10203040 50607080 90a0b0c0 d0e0f0ff>} image grestore`,
  `gsave ${IMAGE} {<101010 202020 303030 404040 505050 606060 707070 808080 909090 a0a0a0 b0b0b0 c0c0c0 d0d0d0 e0e0e0 f0f0f0 ffffff>} false 3 colorimage grestore`,
  '0 0 0 0.6 setcmykcolor 100 100 250 250 rectfill',
  '',
];

/** A small deterministic generator, so that a failing corpus file can be rebuilt exactly. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

/**
 * The corpus: a few fixed edge cases (1 page, 50 pages, all colour, all mono, paper changing every page) and
 * `count` seeded random documents of 1–50 pages.
 */
export function corpusSources(count: number): SourceSpec[] {
  const sources: SourceSpec[] = [
    fixed('one-colour-a4', [{ paper: 'A4', colour: true, mark: 0 }], 'simplex', null),
    fixed('one-mono-letter', [{ paper: 'Letter', colour: false, mark: 2 }], 'simplex', null),
    fixed(
      'fifty-mixed-a3-long',
      pagesOf(50, 'A3', (i) => i % 3 === 0),
      'long-edge',
      2,
    ),
    fixed(
      'all-colour-short',
      pagesOf(12, 'Letter', () => true),
      'short-edge',
      null,
    ),
    fixed(
      'all-mono-rgb-greys',
      pagesOf(16, 'A4', () => false),
      'simplex',
      3,
    ),
    fixed(
      'paper-every-page',
      Array.from({ length: 9 }, (_, i) => ({
        paper: (['A4', 'Letter', 'A3'] as const)[i % 3],
        colour: i % 2 === 0,
        mark: i,
      })),
      'long-edge',
      null,
    ),
  ];
  const next = random(20240607);
  for (let n = 0; n < count; n += 1) {
    const pageCount = 1 + Math.floor(next() * 50);
    const paper = pick(next, ['A4', 'Letter', 'A3'] as const);
    const mixedPaper = next() < 0.25;
    const colourShare = pick(next, [0, 0.1, 0.5, 0.9, 1]);
    const pages = Array.from({ length: pageCount }, () => ({
      paper: mixedPaper ? pick(next, ['A4', 'Letter', 'A3'] as const) : paper,
      colour: next() < colourShare,
      mark: Math.floor(next() * 100),
    }));
    const duplex = pick(next, ['simplex', 'long-edge', 'short-edge'] as const);
    const copies = pick(next, [null, null, 1, 2, 3, 5]);
    sources.push(fixed(`random-${n}`, pages, duplex, copies));
  }
  return sources;
}

function fixed(name: string, pages: PageSpec[], duplex: Duplex, copies: number | null): SourceSpec {
  return { name, pages, duplex, copies };
}

function pagesOf(count: number, paper: Paper, colour: (i: number) => boolean): PageSpec[] {
  return Array.from({ length: count }, (_, i) => ({ paper, colour: colour(i), mark: i }));
}

/** The PostScript program for a source. */
export function postscript(spec: SourceSpec): string {
  const lines = ['%!PS-Adobe-3.0', `%%Title: ${spec.name}`];
  let paper: Paper | null = null;
  spec.pages.forEach((page, i) => {
    const settings: string[] = [];
    if (page.paper !== paper) settings.push(`/PageSize [${PAGE_SIZE[page.paper].join(' ')}]`);
    if (i === 0 && spec.duplex !== 'simplex') {
      settings.push(`/Duplex true /Tumble ${spec.duplex === 'short-edge'}`);
    }
    if (i === 0 && spec.copies !== null) settings.push(`/NumCopies ${spec.copies}`);
    if (settings.length > 0) lines.push(`<< ${settings.join(' ')} >> setpagedevice`);
    paper = page.paper;
    const marks = page.colour ? COLOUR_MARKS : MONO_MARKS;
    const mark = marks[page.mark % marks.length];
    lines.push(`%%Page: ${i + 1} ${i + 1}`, mark);
    // The blank mark leaves the page truly empty: it still counts as a page.
    if (mark !== '') {
      lines.push(
        `/Helvetica findfont 10 scalefont setfont 0 setgray 72 36 moveto (${spec.name} page ${i + 1}) show`,
      );
    }
    lines.push('showpage');
  });
  lines.push('%%EOF', '');
  return lines.join('\n');
}

/** What the analyser must report for a source rendered with a PCL XL device (`colour`: pxlcolor). */
export function groundTruth(spec: SourceSpec, colourDevice: boolean) {
  return {
    pages: spec.pages.map((page) => ({
      color: colourDevice && page.colour,
      paper: PWG_NAME[page.paper],
      duplex: spec.duplex,
    })),
    // gs writes PageCopies on every EndPage: NumCopies, or 1.
    copies: spec.copies ?? 1,
    duplex: spec.duplex,
  };
}
