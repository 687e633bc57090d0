/**
 * The contract between the page-description-language analysers (one file per language) and the job analysis
 * that combines them: what an analyser reads, and what it reports. Accounting depends on these figures, so an
 * analyser reports only what it read in the document, and says so in `warnings` when it had to guess.
 */

/** Languages we recognise by content. */
export type PdlName = 'pdf' | 'postscript' | 'pcl-xl' | 'pcl5' | 'pwg-raster' | 'urf' | 'jpeg' | 'unknown';

export type DuplexMode = 'simplex' | 'long-edge' | 'short-edge';

/** One page of one copy, as the document describes it. */
export interface PageFacts {
  /** True when the page paints in colour, false when only in grey/black; null when the analyser cannot tell. */
  color: boolean | null;
  /** PWG self-describing media name (`iso_a4_210x297mm`), or null when the page states no size. */
  paper: string | null;
  /** Duplex mode in force for this page, when the language sets it per page (PCL-XL, PCL5, PS). */
  duplex?: DuplexMode | null;
}

/** What one language analyser found in its part of the job (one copy's worth of pages). */
export interface LanguageAnalysis {
  pdl: PdlName;
  /** One entry per page of a single copy, in order. */
  pages: PageFacts[];
  /** Copies requested inside the language (PCL-XL PageCopies, PCL5 `ESC &l#X`, PS NumCopies/#copies); null = not set. */
  copies: number | null;
  /** Duplex requested for the whole document, when the language says so once. */
  duplex: DuplexMode | null;
  /** Anything the analyser had to assume or skip, in words an admin understands. */
  warnings: string[];
  /** True when the analyser stopped early (time or size limit, truncated or broken data): counts are a floor. */
  partial: boolean;
}

/** Where an analyser finds its bytes: a spool file, from `offset`, for `length` bytes (after any PJL header). */
export interface PdlSource {
  path: string;
  offset: number;
  length: number;
  /**
   * The whole spool file, when the job analysis read it at once because it is small (source-bytes.ts): `offset`
   * indexes into it, and analysers read it instead of the file. Absent for large files, which are streamed.
   */
  bytes?: Buffer;
}

/** Limits every analyser honours. */
export interface AnalysisLimits {
  /** Stop (and report `partial`) when this instant has passed: `Date.now()` milliseconds. */
  deadline: number;
  /** Most bytes held in memory at once by one analyser. */
  maxBufferBytes: number;
}

/** The signature every language analyser exports. It never throws for bad data: it reports partial + warnings. */
export type LanguageAnalyser = (source: PdlSource, limits: AnalysisLimits) => Promise<LanguageAnalysis>;
