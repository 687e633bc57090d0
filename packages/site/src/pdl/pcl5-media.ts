/**
 * PCL 5 page size codes (`ESC &l#A`) as PWG media names, through the shared media helper so every language
 * names paper alike. The codes are HP's (PCL 5 Technical Reference, with the later additions ghostpcl and the
 * CUPS PCL driver use); 101 is the custom size set by `ESC &f#I` (width) and `ESC &f#J` (length) in decipoints.
 */
import { mediaNameForMm } from './media';

const MM_PER_INCH = 25.4;
const CENTIPOINTS_PER_MM = 7200 / MM_PER_INCH;
const DECIPOINTS_PER_MM = 720 / MM_PER_INCH;

/** The custom page size code. */
export const CUSTOM_PAGE_SIZE = 101;

const inches = (width: number, height: number): [number, number] => [
  width * MM_PER_INCH,
  height * MM_PER_INCH,
];

// Width × height in millimetres, portrait.
const PAGE_SIZES = new Map<number, [number, number]>([
  [1, inches(7.25, 10.5)], // Executive
  [2, inches(8.5, 11)], // Letter
  [3, inches(8.5, 14)], // Legal
  [5, inches(5.5, 8.5)], // Statement
  [6, inches(11, 17)], // Ledger (Tabloid)
  [23, inches(8.5, 13)], // Foolscap
  [25, [148, 210]], // A5
  [26, [210, 297]], // A4
  [27, [297, 420]], // A3
  [45, [182, 257]], // JIS B5
  [46, [257, 364]], // JIS B4
  [71, [100, 148]], // Hagaki postcard
  [72, [148, 200]], // Oufuku-Hagaki double postcard
  [80, inches(3.875, 7.5)], // Monarch envelope
  [81, inches(4.125, 9.5)], // Commercial 10 envelope
  [90, [110, 220]], // DL envelope
  [91, [162, 229]], // C5 envelope
  [100, [176, 250]], // B5 envelope
]);

/** A page size: its PWG name and its portrait dimensions in centipoints (1/7200 inch). */
export interface Pcl5PageSize {
  name: string;
  width: number;
  height: number;
}

function sizeFromMm(widthMm: number, heightMm: number): Pcl5PageSize {
  return {
    name: mediaNameForMm(widthMm, heightMm),
    width: widthMm * CENTIPOINTS_PER_MM,
    height: heightMm * CENTIPOINTS_PER_MM,
  };
}

/**
 * The page size of `ESC &l<code>A`, or null for a code HP does not define. For the custom code, the size last
 * set by `ESC &f#I`/`ESC &f#J` (decipoints), or Letter when none was set, as ghostpcl does.
 */
export function pageSizeForCode(
  code: number,
  customDecipoints: [number, number] | null,
): Pcl5PageSize | null {
  if (code === CUSTOM_PAGE_SIZE) {
    if (!customDecipoints || customDecipoints[0] <= 0 || customDecipoints[1] <= 0)
      return pageSizeForCode(2, null);
    return sizeFromMm(customDecipoints[0] / DECIPOINTS_PER_MM, customDecipoints[1] / DECIPOINTS_PER_MM);
  }
  const mm = PAGE_SIZES.get(code);
  return mm ? sizeFromMm(mm[0], mm[1]) : null;
}

/** The page assumed when a job sets none: Letter, the PCL default (a printer's own default may differ). */
export const DEFAULT_PAGE_HEIGHT = 11 * 7200;
