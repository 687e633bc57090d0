/**
 * Page sizes to PWG self-describing media names (PWG 5101.1), so every language reports paper the same way
 * (`iso_a4_210x297mm`, `na_letter_8.5x11in`). Sizes match within 5 mm, in either orientation; an unknown size
 * gets a custom name built from its dimensions, as PWG 5101.1 prescribes.
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
  { name: 'na_letter_8.5x11in', widthMm: 215.9, heightMm: 279.4 },
  { name: 'na_legal_8.5x14in', widthMm: 215.9, heightMm: 355.6 },
  { name: 'na_ledger_11x17in', widthMm: 279.4, heightMm: 431.8 },
  { name: 'na_executive_7.25x10.5in', widthMm: 184.15, heightMm: 266.7 },
  { name: 'iso_dl_110x220mm', widthMm: 110, heightMm: 220 },
  { name: 'na_number-10_4.125x9.5in', widthMm: 104.775, heightMm: 241.3 },
  { name: 'iso_c5_162x229mm', widthMm: 162, heightMm: 229 },
];

const TOLERANCE_MM = 5;
const MM_PER_POINT = 25.4 / 72;

/** The PWG media name for a page of `widthMm` × `heightMm` (either orientation). */
export function mediaNameForMm(widthMm: number, heightMm: number): string {
  const short = Math.min(widthMm, heightMm);
  const long = Math.max(widthMm, heightMm);
  for (const media of KNOWN_MEDIA) {
    if (Math.abs(media.widthMm - short) <= TOLERANCE_MM && Math.abs(media.heightMm - long) <= TOLERANCE_MM) {
      return media.name;
    }
  }
  const round = (mm: number) => Math.round(mm * 10) / 10;
  return `custom_${round(short)}x${round(long)}mm_${round(short)}x${round(long)}mm`;
}

/** The PWG media name for a page of `width` × `height` PostScript points (1/72 inch). */
export function mediaNameForPoints(width: number, height: number): string {
  return mediaNameForMm(width * MM_PER_POINT, height * MM_PER_POINT);
}

/** The PWG media name for a well-known paper keyword (`A4`, `Letter`, `LETTER`, `a3`, `Legal`, ...), or null. */
export function mediaNameForKeyword(keyword: string): string | null {
  const key = keyword
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, '');
  const byKeyword: Record<string, string> = {
    a3: 'iso_a3_297x420mm',
    a4: 'iso_a4_210x297mm',
    a5: 'iso_a5_148x210mm',
    a6: 'iso_a6_105x148mm',
    b4: 'iso_b4_250x353mm',
    b5: 'iso_b5_176x250mm',
    jisb4: 'jis_b4_257x364mm',
    jisb5: 'jis_b5_182x257mm',
    letter: 'na_letter_8.5x11in',
    legal: 'na_legal_8.5x14in',
    ledger: 'na_ledger_11x17in',
    tabloid: 'na_ledger_11x17in',
    executive: 'na_executive_7.25x10.5in',
    dl: 'iso_dl_110x220mm',
    com10: 'na_number-10_4.125x9.5in',
    c5: 'iso_c5_162x229mm',
  };
  return byKeyword[key] ?? null;
}
