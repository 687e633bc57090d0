/**
 * The seams of a file analysis: how the language is detected, how PJL variables become job settings, which
 * analyser reads which language, and how enhanced mode measures ink. `analysers.ts` wires the real ones; tests
 * pass their own to exercise failures the real analysers never show.
 */
import { type AnalysisLimits, type LanguageAnalyser, type PdlName, type PdlSource } from '../pdl-types';
import { type PjlJobSettings } from './job-analysis';

/** Ghostscript's per-page ink coverage, as enhanced mode uses it. */
export interface InkCoverage {
  /** False when gs is missing or failed; `warning` says why. */
  available: boolean;
  pages: Array<{ color: boolean }>;
  warning?: string;
}

/** Measures ink per page of the document in `source` (PS or PDF), stopping at `deadline`. */
export type InkCoverageReader = (source: PdlSource, options: { deadline: number }) => Promise<InkCoverage>;

/** A UEL-separated part of a spool file, in one language. */
export interface JobPart {
  offset: number;
  length: number;
  pdl: PdlName;
  /** The variables of the part's own PJL header. */
  variables: Record<string, string>;
}

/** The parts of a spool file, and what went wrong while finding them. */
export interface JobParts {
  segments: JobPart[];
  warnings: string[];
  /** The time limit stopped the search. */
  partial: boolean;
}

/** Everything `analyseFile` delegates. */
export interface AnalysisToolkit {
  /** The language of the job from its first bytes, and where its data starts (after a PJL header). */
  detect(head: Uint8Array): { pdl: PdlName; dataOffset: number };
  /** The UEL-separated parts of the whole file; without it, the file is one part, as `detect` sees it. */
  segments?(source: PdlSource, limits: AnalysisLimits): Promise<JobParts>;
  /** The job settings a PJL header's variables ask for. */
  pjlSettings(variables: Record<string, string>): PjlJobSettings;
  /** One analyser per language this site can count. */
  analysers: Partial<Record<PdlName, LanguageAnalyser>>;
  /** Enhanced mode's ink reader; absent where the site has none. */
  inkCoverage?: InkCoverageReader;
}
