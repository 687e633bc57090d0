/**
 * Page sizes to PWG self-describing media names (PWG 5101.1), so every language reports paper the same way
 * (`iso_a4_210x297mm`, `na_letter_8.5x11in`). Sizes match within 5 mm, in either orientation, the closest known
 * size winning (Hagaki, 100 × 148 mm, is within 5 mm of A6 too); an unknown size gets a custom name built from
 * its dimensions, as PWG 5101.1 prescribes.
 *
 * Paper keywords come in two vocabularies that disagree on "B5". In PostScript and PPD files (Adobe's PPD
 * specification, and the `b5` operator) B5 and B4 are the JIS sizes, and `ISOB5` is ISO B5. In HP's PJL
 * (`@PJL SET PAPER`), B5 is the ISO B5 envelope: the PJL Technical Reference lists "JISB4 and JISB5 [as] paper
 * sizes; Com10, C5, DL, Monarch, and B5 [as] envelope sizes; JPOST and JPOSTD [as] Japanese post card sizes".
 */

interface KnownMedia {
  name: string;
  widthMm: number;
  heightMm: number;
}

const KNOWN_MEDIA: KnownMedia[] = [
  { name: 'iso_a3_297x420mm', widthMm: 297, heightMm: 420 },
  { name: 'iso_a4_210x297mm', widthMm: 210, heightMm: 297 },
  { name: 'iso_a5_148x210mm', widthMm: 148, heightMm: 210 },
  { name: 'iso_a6_105x148mm', widthMm: 105, heightMm: 148 },
  { name: 'iso_b4_250x353mm', widthMm: 250, heightMm: 353 },
  { name: 'iso_b5_176x250mm', widthMm: 176, heightMm: 250 },
  { name: 'jis_b4_257x364mm', widthMm: 257, heightMm: 364 },
  { name: 'jis_b5_182x257mm', widthMm: 182, heightMm: 257 },
  { name: 'jpn_hagaki_100x148mm', widthMm: 100, heightMm: 148 },
  { name: 'jpn_oufuku_148x200mm', widthMm: 148, heightMm: 200 },
  { name: 'na_letter_8.5x11in', widthMm: 215.9, heightMm: 279.4 },
  { name: 'na_legal_8.5x14in', widthMm: 215.9, heightMm: 355.6 },
  { name: 'na_foolscap_8.5x13in', widthMm: 215.9, heightMm: 330.2 },
  { name: 'na_ledger_11x17in', widthMm: 279.4, heightMm: 431.8 },
  { name: 'na_executive_7.25x10.5in', widthMm: 184.15, heightMm: 266.7 },
  { name: 'na_invoice_5.5x8.5in', widthMm: 139.7, heightMm: 215.9 },
  { name: 'iso_dl_110x220mm', widthMm: 110, heightMm: 220 },
  { name: 'na_number-10_4.125x9.5in', widthMm: 104.775, heightMm: 241.3 },
  { name: 'na_monarch_3.875x7.5in', widthMm: 98.425, heightMm: 190.5 },
  { name: 'iso_c5_162x229mm', widthMm: 162, heightMm: 229 },
];

const TOLERANCE_MM = 5;
const MM_PER_POINT = 25.4 / 72;

/** The PWG media name for a page of `widthMm` × `heightMm` (either orientation). */
export function mediaNameForMm(widthMm: number, heightMm: number): string {
  const short = Math.min(widthMm, heightMm);
  const long = Math.max(widthMm, heightMm);
  let best: KnownMedia | null = null;
  let bestOff = TOLERANCE_MM;
  for (const media of KNOWN_MEDIA) {
    const off = Math.max(Math.abs(media.widthMm - short), Math.abs(media.heightMm - long));
    if (off <= bestOff) {
      best = media;
      bestOff = off;
    }
  }
  if (best) return best.name;
  const round = (mm: number) => Math.round(mm * 10) / 10;
  return `custom_${round(short)}x${round(long)}mm_${round(short)}x${round(long)}mm`;
}

/** The PWG media name for a page of `width` × `height` PostScript points (1/72 inch). */
export function mediaNameForPoints(width: number, height: number): string {
  return mediaNameForMm(width * MM_PER_POINT, height * MM_PER_POINT);
}

/** Keywords both vocabularies (PostScript/PPD and PJL) read alike, as {@link normalise} writes them. */
const COMMON_KEYWORDS = {
  a3: 'iso_a3_297x420mm',
  a4: 'iso_a4_210x297mm',
  a5: 'iso_a5_148x210mm',
  a6: 'iso_a6_105x148mm',
  isob4: 'iso_b4_250x353mm',
  isob5: 'iso_b5_176x250mm',
  jisb4: 'jis_b4_257x364mm',
  jisb5: 'jis_b5_182x257mm',
  letter: 'na_letter_8.5x11in',
  legal: 'na_legal_8.5x14in',
  ledger: 'na_ledger_11x17in',
  tabloid: 'na_ledger_11x17in',
  executive: 'na_executive_7.25x10.5in',
  statement: 'na_invoice_5.5x8.5in',
  folio: 'na_foolscap_8.5x13in',
  foolscap: 'na_foolscap_8.5x13in',
  dl: 'iso_dl_110x220mm',
  com10: 'na_number-10_4.125x9.5in',
  c5: 'iso_c5_162x229mm',
  monarch: 'na_monarch_3.875x7.5in',
} as const;

/** Adobe PPD PageSize names and PostScript paper operators (`b5`, `folio`). */
const POSTSCRIPT_KEYWORDS = new Map<string, string>(
  Object.entries({
    ...COMMON_KEYWORDS,
    b4: 'jis_b4_257x364mm',
    b5: 'jis_b5_182x257mm',
    halfletter: 'na_invoice_5.5x8.5in',
    fanfoldgermanlegal: 'na_foolscap_8.5x13in',
    postcard: 'jpn_hagaki_100x148mm',
    doublepostcard: 'jpn_oufuku_148x200mm',
    doublepostcardrotated: 'jpn_oufuku_148x200mm',
    envisob5: 'iso_b5_176x250mm',
    envdl: 'iso_dl_110x220mm',
    env10: 'na_number-10_4.125x9.5in',
    envc5: 'iso_c5_162x229mm',
    envmonarch: 'na_monarch_3.875x7.5in',
  }),
);

/** HP PJL `PAPER` values, with the envelope names other vendors' drivers write (`MONARCHENV`, `C5ENV`). */
const PJL_KEYWORDS = new Map<string, string>(
  Object.entries({
    ...COMMON_KEYWORDS,
    b5: 'iso_b5_176x250mm',
    jpost: 'jpn_hagaki_100x148mm',
    jpostd: 'jpn_oufuku_148x200mm',
    monarchenv: 'na_monarch_3.875x7.5in',
    no10env: 'na_number-10_4.125x9.5in',
    dlenv: 'iso_dl_110x220mm',
    c5env: 'iso_c5_162x229mm',
    b5env: 'iso_b5_176x250mm',
  }),
);

function normalise(keyword: string): string {
  return keyword
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, '');
}

/**
 * The PWG media name for a paper keyword of PostScript or a PPD (`A4`, `Letter`, `B5`, `EnvMonarch`, `a3`, ...),
 * or null. B4 and B5 are the JIS sizes here, as Adobe defines them.
 */
export function mediaNameForKeyword(keyword: string): string | null {
  return POSTSCRIPT_KEYWORDS.get(normalise(keyword)) ?? null;
}

/** The PWG media name for a PJL `PAPER` value (`LETTER`, `A4`, `JISB5`, `JPOST`, ...), or null. B5 is ISO B5. */
export function mediaNameForPjlPaper(value: string): string | null {
  return PJL_KEYWORDS.get(normalise(value)) ?? null;
}
