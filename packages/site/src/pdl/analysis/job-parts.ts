/**
 * A spool file may hold several jobs one after the other, each after its own UEL and PJL header: a PCL banner
 * page then the PostScript document, or a driver that repeats the whole job once per copy. Each part is analysed
 * in its own language; this merges the parts into one page list for the combiner, so the job's counts add up
 * every part. Pure.
 *
 * What each page keeps from its part: the duplex mode and paper in force in that part (its language's, else
 * its own PJL header's), and mono when the part's PJL asks the printer to render in grey. When every part asks
 * for the same copies, that is the job's; when they differ, each part's pages are repeated by its own copies
 * (so impressions stay exact) unless that would list an absurd number of pages.
 */
import { type LanguageAnalysis, type PageFacts, type PdlName } from '../pdl-types';
import { documentCopies, type PjlJobSettings } from './job-analysis';

/** One UEL-separated part of a job, analysed. */
export interface AnalysedPart {
  language: LanguageAnalysis;
  /** The part's own PJL header. */
  pjl: PjlJobSettings;
}

/** Parts whose copies disagree are expanded page by page only up to this many pages in all. */
export const MAX_EXPANDED_PAGES = 100_000;

/** The part's pages with the duplex, paper and grey rendering of the part made explicit on each page. */
function explicitPages(part: AnalysedPart): PageFacts[] {
  let paper = part.pjl.paper;
  return part.language.pages.map((page) => {
    paper = page.paper ?? paper;
    return {
      color: part.pjl.grayscale ? false : page.color,
      paper,
      duplex: page.duplex ?? part.language.duplex ?? part.pjl.duplex ?? 'simplex',
    };
  });
}

/** The language of the part with the most pages (the first one on a tie, or when none has pages). */
function mainLanguage(parts: readonly AnalysedPart[]): PdlName {
  let best = parts[0];
  for (const part of parts) if (part.language.pages.length > best.language.pages.length) best = part;
  return best.language.pdl;
}

/**
 * Merge analysed parts into one language analysis and PJL settings for `combineAnalysis`. `job` is the PJL of
 * the job's first header (its variables are the job's). One part is returned as it is.
 */
export function mergeParts(
  parts: readonly AnalysedPart[],
  job: PjlJobSettings,
): { language: LanguageAnalysis; pjl: PjlJobSettings; warnings: string[] } {
  if (parts.length === 1) return { language: parts[0].language, pjl: parts[0].pjl, warnings: [] };
  const warnings: string[] = [];
  const perPart = parts.map((part) => documentCopies(part.language.copies, part.pjl).copies);
  const agree = perPart.every((copies) => copies === perPart[0]);
  const expanded = parts.reduce((sum, part, index) => sum + part.language.pages.length * perPart[index], 0);
  const expand = !agree && expanded <= MAX_EXPANDED_PAGES;
  if (!agree) {
    warnings.push(
      expand
        ? `The job's parts ask for different copies (${perPart.join(', ')}): each part counted with its own`
        : `The job's parts ask for different copies (${perPart.join(', ')}): counted the most, ${Math.max(...perPart)}`,
    );
  }
  const pages = parts.flatMap((part, index) => {
    const own = explicitPages(part);
    return expand ? Array.from({ length: perPart[index] }, () => own).flat() : own;
  });
  const language: LanguageAnalysis = {
    pdl: mainLanguage(parts),
    pages,
    copies: expand ? null : Math.max(...perPart),
    duplex: null,
    warnings: parts.flatMap((part) => part.language.warnings),
    partial: parts.some((part) => part.language.partial),
  };
  if (parts.some((part) => part.pjl.grayscale)) {
    warnings.push('PJL RENDERMODE=GRAYSCALE in a part of the job: its pages counted mono');
  }
  // Copies, duplex, paper and grey rendering are now on the language side; only the job's variables remain.
  const pjl: PjlJobSettings = {
    ...job,
    copies: null,
    quantity: null,
    duplex: null,
    paper: null,
    grayscale: false,
  };
  return { language, pjl, warnings };
}
