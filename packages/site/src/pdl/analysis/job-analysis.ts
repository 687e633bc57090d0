/**
 * What a job's analysis concludes, and the pure rules that turn the language analysers' page list (one per
 * job, or the parts' lists merged by job-parts.ts), the PJL header and the protocol's copies into it. Accounting prices jobs from these figures, so every rule below is
 * written down with its reason.
 *
 * Counting (MyQ's accounting semantics, reference myq-5 §3: a user is charged per printed page side, "click",
 * in mono or colour, for every copy; paper formats and simplex/duplex are counted in sheets):
 * - `pages` is one copy's pages, as the document describes them (IPP job-impressions, MyQ's page count).
 * - `impressions` = pages × copies: every page side the printer will print.
 * - `colorPages` + `monoPages` = impressions: the colour split is for the WHOLE job, copies included, because
 *   that is what a click price multiplies. A page whose colour the analyser could not tell is counted as colour
 *   (so a credit or quota check never lets through a job the user cannot pay for) and a warning says how many.
 *   PJL `RENDERMODE=GRAYSCALE` makes the printer print every page in grey: then every page is mono.
 * - `sheets`: a simplex page takes a sheet; a duplex page goes on the back of the sheet before it when that
 *   sheet's back is free and has the same paper and duplex mode, otherwise it starts a sheet. Each copy starts
 *   on a fresh sheet (printers collate copies that way), so an odd duplex page count leaves a blank back per
 *   copy: 3 duplex pages × 2 copies = 4 sheets.
 * - `paper`: PWG media name → impressions on it (copies included, like the colour split). A page that states
 *   no size prints on the size in force: the previous page's, or for leading pages the PJL `PAPER`, or else
 *   the first size the document states.
 * - `duplex`: per page, the language's per-page mode, else its document-wide mode, else PJL `DUPLEX`/`BINDING`,
 *   else simplex (the PDL overrides the PJL environment on a printer, and PJL only sets defaults). The job's
 *   mode is the one most of its pages print in.
 *
 * Copies (precedence, and why), as a printer applies them (Ricoh's PostScript reference tabulates it: PJL
 * `COPIES` is only the default of the language's copies, PJL `QTY` repeats the whole job as collated sets):
 * 1. Copies inside the language (PCL-XL PageCopies, PCL5 `ESC &l#X`, PostScript NumCopies) and PJL `COPIES`
 *    are one request written twice by the driver: a driver that puts 3 in both wants 3 copies, not 9. The
 *    language's wins, as on the printer, with a warning when both ask for more than one and disagree.
 * 2. PJL `QTY` multiplies that: QTY=2 with NumCopies 3 prints two collated sets of three.
 * 3. The value 1 carries no information: gs and most drivers write PageCopies 1 or NumCopies 1 always, and a
 *    client then asks for copies through the protocol. So the document "carries its own copies" only when the
 *    result of 1 and 2 is more than one.
 * 4. The protocol's copies (IPP `copies`, LPD repeated print lines) apply only when the document carries none.
 *    A client that renders copies into the document sends it once; counting both would charge twice. When both
 *    ask for more than one, the document wins and a warning records the protocol's value.
 */
import { type DuplexMode, type LanguageAnalysis, type PdlName } from '../pdl-types';

/** `standard`: the language analysers' own colour. `enhanced`: PS/PDF colour from ghostscript's ink coverage. */
export type AnalysisMode = 'standard' | 'enhanced';

/** Where the job's copies came from (see the file comment for the precedence). */
export type CopiesSource = 'document' | 'protocol';

/** The outcome of analysing one job (or one file, for the CLI). */
export interface JobAnalysis {
  pdl: PdlName;
  /** Pages of one copy. */
  pages: number;
  copies: number;
  copiesFrom: CopiesSource;
  /** Page sides printed: pages × copies. */
  impressions: number;
  /** Sheets of paper, duplex and copies included. */
  sheets: number;
  /** Impressions in colour, all copies included. */
  colorPages: number;
  /** Impressions in grey or black, all copies included. */
  monoPages: number;
  duplex: DuplexMode;
  /** PWG media name → impressions on it, all copies included. */
  paper: Record<string, number>;
  /** The PJL header's variables. */
  pjl: Record<string, string>;
  mode: AnalysisMode;
  warnings: string[];
  /** The analysis stopped early or read broken data: counts are a floor. */
  partial: boolean;
}

/** The part of an analysis stored as JSON on the job (the counts have their own columns). */
export type JobAnalysisDetails = Pick<
  JobAnalysis,
  'mode' | 'warnings' | 'partial' | 'paper' | 'pjl' | 'copiesFrom'
>;

/** What the PJL header asks for, as the combiner needs it. */
export interface PjlJobSettings {
  variables: Record<string, string>;
  /** `COPIES`: the default of the language's own copies. */
  copies: number | null;
  /** `QTY`: collated sets of the whole job. */
  quantity: number | null;
  duplex: DuplexMode | null;
  /** PWG media name. */
  paper: string | null;
  /** `RENDERMODE=GRAYSCALE`: the printer prints every page in grey. */
  grayscale: boolean;
}

/** Everything the combiner reads. */
export interface CombineInput {
  language: LanguageAnalysis;
  pjl: PjlJobSettings;
  /** Copies the protocol asked for (the job's `copies`), 1 when none. */
  protocolCopies: number;
  mode: AnalysisMode;
  /** Warnings from detection and enhanced mode, before the language's own. */
  warnings?: string[];
  /** Set when something outside the language analyser stopped early. */
  partial?: boolean;
}

/** Most copies a job may have, as at intake. */
export const MAX_ANALYSIS_COPIES = 9999;
/** Counts are stored in 32-bit integer columns. */
export const MAX_COUNT = 2_147_483_647;
/** A hostile document cannot grow the stored warning list without bound. */
export const MAX_WARNINGS = 20;
/** Nor the paper map: the sizes with the most impressions are kept. */
export const MAX_PAPER_SIZES = 32;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** A copies request as a whole number of at least 1, or null when it says nothing usable. */
function copiesValue(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const whole = Math.trunc(value);
  return whole >= 1 ? whole : null;
}

/** The copies the document itself asks for (language, PJL COPIES and QTY; see the file comment), 1 when none. */
export function documentCopies(
  languageCopies: number | null,
  pjl: Pick<PjlJobSettings, 'copies' | 'quantity'>,
): { copies: number; warnings: string[] } {
  const warnings: string[] = [];
  const inLanguage = copiesValue(languageCopies) ?? 1;
  const inPjl = copiesValue(pjl.copies) ?? 1;
  const sets = copiesValue(pjl.quantity) ?? 1;
  if (inLanguage > 1 && inPjl > 1 && inLanguage !== inPjl) {
    warnings.push(
      `The document asks for ${inLanguage} copies and its PJL header for ${inPjl}; counted the document's, as a printer does`,
    );
  }
  return { copies: (inLanguage > 1 ? inLanguage : inPjl) * sets, warnings };
}

/** The job's copies and where they came from; see the precedence in the file comment. */
export function resolveCopies(
  languageCopies: number | null,
  pjl: Pick<PjlJobSettings, 'copies' | 'quantity'>,
  protocolCopies: number,
): { copies: number; from: CopiesSource; warnings: string[] } {
  const inDocument = documentCopies(languageCopies, pjl);
  const warnings = inDocument.warnings;
  const protocol = copiesValue(protocolCopies) ?? 1;
  let copies = inDocument.copies;
  let from: CopiesSource = 'document';
  if (copies > 1 && protocol > 1) {
    warnings.push(
      `The document asks for ${copies} copies and the client for ${protocol}; counted the document's ${copies}`,
    );
  }
  if (copies === 1) {
    copies = protocol;
    from = 'protocol';
  }
  if (copies > MAX_ANALYSIS_COPIES) {
    warnings.push(`${copies} copies requested; counted the maximum, ${MAX_ANALYSIS_COPIES}`);
    copies = MAX_ANALYSIS_COPIES;
  }
  return { copies, from, warnings };
}

/** A page with every fact resolved: the paper and duplex mode in force, and whether it prints in colour. */
export interface ResolvedPage {
  color: boolean;
  paper: string | null;
  duplex: DuplexMode;
}

/** Resolve each page's paper, duplex and colour with the inheritance rules of the file comment. */
export function resolvePages(
  language: LanguageAnalysis,
  pjl: PjlJobSettings,
): { pages: ResolvedPage[]; unknownColor: number; unknownPaper: number } {
  let paper = pjl.paper ?? language.pages.find((page) => page.paper)?.paper ?? null;
  let unknownColor = 0;
  let unknownPaper = 0;
  const pages = language.pages.map((page): ResolvedPage => {
    paper = page.paper ?? paper;
    if (paper === null) unknownPaper += 1;
    if (page.color === null && !pjl.grayscale) unknownColor += 1;
    return {
      color: pjl.grayscale ? false : (page.color ?? true),
      paper,
      duplex: page.duplex ?? language.duplex ?? pjl.duplex ?? 'simplex',
    };
  });
  return { pages, unknownColor, unknownPaper };
}

/** Sheets one copy takes: duplex pages pair up on a sheet with the same paper and duplex mode. */
export function sheetsPerCopy(pages: readonly ResolvedPage[]): number {
  let sheets = 0;
  let freeBack: ResolvedPage | null = null;
  for (const page of pages) {
    if (
      page.duplex !== 'simplex' &&
      freeBack &&
      freeBack.duplex === page.duplex &&
      freeBack.paper === page.paper
    ) {
      freeBack = null;
      continue;
    }
    sheets += 1;
    freeBack = page.duplex === 'simplex' ? null : page;
  }
  return sheets;
}

/** The value most entries have; the first seen wins a tie (so a one-page difference stays predictable). */
export function mostCommon<T>(values: readonly T[]): T | null {
  const counts = new Map<T, number>();
  let best: T | null = null;
  let bestCount = 0;
  for (const value of values) {
    const count = (counts.get(value) ?? 0) + 1;
    counts.set(value, count);
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/** `count × copies`, clamped to what a 32-bit column holds. */
function times(count: number, copies: number, clamped: { hit: boolean }): number {
  const total = count * copies;
  if (total <= MAX_COUNT) return total;
  clamped.hit = true;
  return MAX_COUNT;
}

/** Impressions per paper size, the MAX_PAPER_SIZES largest kept; a warning counts what was left out. */
export function paperMap(pages: readonly ResolvedPage[], copies: number, clamped: { hit: boolean }) {
  const counts = new Map<string, number>();
  for (const page of pages)
    if (page.paper !== null) counts.set(page.paper, (counts.get(page.paper) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const paper: Record<string, number> = {};
  for (const [name, count] of sorted.slice(0, MAX_PAPER_SIZES)) paper[name] = times(count, copies, clamped);
  const dropped = sorted.slice(MAX_PAPER_SIZES);
  const warnings =
    dropped.length === 0
      ? []
      : [
          `${plural(dropped.length, 'more paper size')} (${plural(
            dropped.reduce((sum, [, count]) => sum + count, 0),
            'page',
          )} per copy) not listed`,
        ];
  return { paper, warnings };
}

/** Keep the first MAX_WARNINGS distinct warnings, noting how many were dropped. */
export function boundedWarnings(warnings: readonly string[]): string[] {
  const distinct = [...new Set(warnings)];
  if (distinct.length <= MAX_WARNINGS) return distinct;
  return [...distinct.slice(0, MAX_WARNINGS - 1), `${distinct.length - MAX_WARNINGS + 1} more warnings`];
}

/** Combine a language analysis, the PJL settings and the protocol's copies into the job's analysis. Pure. */
export function combineAnalysis(input: CombineInput): JobAnalysis {
  const { language, pjl } = input;
  const copies = resolveCopies(language.copies, pjl, input.protocolCopies);
  const { pages, unknownColor, unknownPaper } = resolvePages(language, pjl);
  const warnings = [...(input.warnings ?? []), ...language.warnings, ...copies.warnings];
  if (unknownColor > 0) {
    warnings.push(`The colour of ${plural(unknownColor, 'page')} is unknown; counted as colour`);
  }
  if (unknownPaper > 0) warnings.push(`${plural(unknownPaper, 'page')} state no paper size`);
  if (pjl.grayscale && pages.length > 0) warnings.push('PJL RENDERMODE=GRAYSCALE: every page counted mono');

  const clamped = { hit: false };
  const n = copies.copies;
  const colorPerCopy = pages.filter((page) => page.color).length;
  const { paper, warnings: paperWarnings } = paperMap(pages, n, clamped);
  warnings.push(...paperWarnings);
  const duplex = mostCommon(pages.map((page) => page.duplex)) ?? language.duplex ?? pjl.duplex ?? 'simplex';
  const result: JobAnalysis = {
    pdl: language.pdl,
    pages: Math.min(pages.length, MAX_COUNT),
    copies: n,
    copiesFrom: copies.from,
    impressions: times(pages.length, n, clamped),
    sheets: times(sheetsPerCopy(pages), n, clamped),
    colorPages: times(colorPerCopy, n, clamped),
    monoPages: times(pages.length - colorPerCopy, n, clamped),
    duplex,
    paper,
    pjl: pjl.variables,
    mode: input.mode,
    warnings: [],
    partial: language.partial || input.partial === true,
  };
  if (clamped.hit) warnings.push(`Counts exceed ${MAX_COUNT} and were clamped`);
  result.warnings = boundedWarnings(warnings);
  return result;
}
