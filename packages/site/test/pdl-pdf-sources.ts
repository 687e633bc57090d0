/**
 * PostScript sources for the PDF corpus, with their ground truth: which pages the source paints in colour and on
 * which paper. Each page paints black text plus one construct chosen by a seeded generator, so every way
 * ghostscript's pdfwrite writes colour (rg/k fills, coloured text and strokes, colour and grey images, image
 * masks, shadings) and mono (grey, K-only CMYK, equal-RGB greys, grey images and gradients) appears in the corpus.
 */
import { seededRandom } from '@quire/testkit';

/** One page of a source: the construct it paints and its paper. */
export interface SourcePage {
  construct: string;
  colour: boolean;
  /** Page size in points as written in the source; landscape sizes name the same paper. */
  size: [number, number];
  paper: string;
}

/** A PostScript document and what it paints. */
export interface CorpusSource {
  name: string;
  pages: SourcePage[];
  postscript: string;
}

const PAPERS: { size: [number, number]; paper: string }[] = [
  { size: [595, 842], paper: 'iso_a4_210x297mm' },
  { size: [612, 792], paper: 'na_letter_8.5x11in' },
  { size: [842, 1191], paper: 'iso_a3_297x420mm' },
  { size: [842, 595], paper: 'iso_a4_210x297mm' },
];

const IMAGE_4X4 = (rgb: (i: number) => [number, number, number]) =>
  Array.from({ length: 16 }, (_, i) =>
    rgb(i)
      .map((v) => v.toString(16).padStart(2, '0'))
      .join(''),
  ).join('');

const SHADING = (c1: string) =>
  `gsave 100 100 200 100 rectclip << /ShadingType 2 /ColorSpace /DeviceRGB /Coords [100 0 300 0] ` +
  `/Function << /FunctionType 2 /Domain [0 1] /C0 [0 0 0] /C1 [${c1}] /N 1 >> >> shfill grestore`;

/** What each construct paints, in PostScript, and whether it is colour. */
export const CONSTRUCTS: Record<string, { colour: boolean; ps: string }> = {
  'rgb-fill': { colour: true, ps: '1 0 0 setrgbcolor 100 100 200 100 rectfill' },
  'cmyk-fill': { colour: true, ps: '0 1 0 0 setcmykcolor 100 100 200 100 rectfill' },
  'hsb-fill': { colour: true, ps: '0.6 1 1 sethsbcolor 100 100 50 50 rectfill' },
  'rgb-text': {
    colour: true,
    ps: '0 0 1 setrgbcolor /Helvetica findfont 24 scalefont setfont 100 200 moveto (Blue words) show',
  },
  'rgb-stroke': {
    colour: true,
    ps: '0 0.5 0 setrgbcolor 3 setlinewidth 100 100 moveto 300 300 lineto stroke',
  },
  'colour-image': {
    colour: true,
    ps: `gsave 100 500 translate 100 100 scale 4 4 8 [4 0 0 -4 0 4] {<${IMAGE_4X4((i) => [i * 16, 255 - i * 16, 128])}>} false 3 colorimage grestore`,
  },
  'colour-mask': {
    colour: true,
    ps: 'gsave 1 0 1 setrgbcolor 100 500 translate 100 100 scale 8 2 true [8 0 0 -2 0 2] {<a55a>} imagemask grestore',
  },
  'colour-shading': { colour: true, ps: SHADING('0 0 1') },
  'grey-fill': { colour: false, ps: '0.5 setgray 100 100 200 100 rectfill' },
  'k-only': { colour: false, ps: '0 0 0 0.7 setcmykcolor 100 100 200 100 rectfill' },
  'equal-rgb': { colour: false, ps: '0.3 0.3 0.3 setrgbcolor 100 100 200 100 rectfill' },
  'grey-image': {
    colour: false,
    ps: 'gsave 100 500 translate 100 100 scale 4 4 8 [4 0 0 -4 0 4] {<00ff00ff40c040c000ff00ff80208020>} image grestore',
  },
  'grey-mask': {
    colour: false,
    ps: 'gsave 0.2 setgray 100 500 translate 100 100 scale 8 2 true [8 0 0 -2 0 2] {<a55a>} imagemask grestore',
  },
  'grey-shading': { colour: false, ps: SHADING('1 1 1') },
  'white-fill': { colour: false, ps: '1 setgray 100 100 200 100 rectfill' },
};

/**
 * A 64×64 RGB image whose pixels are all grey (a ramp): mono, but provable only by sampling a losslessly coded
 * image. Large enough for pdfwrite to write an image XObject rather than an inline image.
 */
export const GREY_RGB_IMAGE = {
  name: 'grey-rgb-image',
  colour: false,
  ps: [
    'gsave 100 500 translate 100 100 scale /greyrgb 12288 string def',
    '0 1 4095 { /i exch def /v i 64 mod 4 mul def greyrgb i 3 mul v put greyrgb i 3 mul 1 add v put greyrgb i 3 mul 2 add v put } for',
    '64 64 8 [64 0 0 -64 0 64] {greyrgb} false 3 colorimage grestore',
  ].join('\n'),
};

/** The seeded generator the corpus is built with, so it is the same on every run. */
export { seededRandom };

/**
 * A source of `pageCount` pages; `colourShare` of them (at random) paint a colour construct, the others a mono one
 * (always `monoConstruct` when given, to make sure a construct appears).
 */
export function makeSource(
  name: string,
  pageCount: number,
  seed: number,
  colourShare: number,
  monoConstruct?: { name: string; colour: boolean; ps: string },
): CorpusSource {
  const random = seededRandom(seed);
  const all = monoConstruct ? { ...CONSTRUCTS, [monoConstruct.name]: monoConstruct } : CONSTRUCTS;
  const colourKinds = Object.keys(all).filter((k) => all[k].colour);
  const monoKinds = monoConstruct ? [monoConstruct.name] : Object.keys(all).filter((k) => !all[k].colour);
  const pick = (list: string[]) => list[Math.floor(random() * list.length)];
  const pages: SourcePage[] = [];
  let paper = PAPERS[Math.floor(random() * PAPERS.length)];
  const lines = ['%!PS-Adobe-3.0', '/Helvetica findfont 14 scalefont setfont'];
  for (let i = 0; i < pageCount; i += 1) {
    if (random() < 0.2) paper = PAPERS[Math.floor(random() * PAPERS.length)];
    const colour = random() < colourShare;
    const construct = pick(colour ? colourKinds : monoKinds);
    pages.push({ construct, colour, size: paper.size, paper: paper.paper });
    lines.push(
      `<< /PageSize [${paper.size.join(' ')}] >> setpagedevice`,
      '/Helvetica findfont 14 scalefont setfont 0 setgray',
      `72 40 moveto (${name} page ${i + 1}: ${construct}) show`,
      all[construct].ps,
      'showpage',
    );
  }
  return { name, pages, postscript: `${lines.join('\n')}\n` };
}
