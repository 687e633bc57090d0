/**
 * Analyses one spooled file: reads it (whole and once when it is small, see source-bytes.ts; else its head), the
 * PJL header and the language, splits the file into its UEL-separated parts, hands each to its language's
 * analyser, takes PS/PDF colour from ghostscript's ink coverage in enhanced mode, and merges and combines
 * everything into a JobAnalysis. Runs inside an analysis worker (the site's and the CLI's), where synchronous
 * reads block nobody; it never throws for bad data, only for a file it cannot open or read.
 */
import { type AnalysisLimits, type LanguageAnalysis, type PdlName, type PdlSource } from '../pdl-types';
import { readPjlHeader } from '../pjl';
import { readSpoolFile, WHOLE_FILE_MAX_BYTES } from '../source-bytes';
import { combineAnalysis, type AnalysisMode, type JobAnalysis, type PjlJobSettings } from './job-analysis';
import { mergeParts, type AnalysedPart } from './job-parts';
import { type AnalysisToolkit } from './toolkit';
import { errorMessage } from './error-message';

/** How much of the file detection and the PJL reader see. */
export const HEAD_BYTES = 64 * 1024;
/** Most bytes one analyser holds at once, unless told otherwise. */
export const DEFAULT_MAX_BUFFER_BYTES = 4 * 1024 * 1024;

/** What detection found, reported before the long part of the analysis starts. */
export interface DetectedDocument {
  pdl: PdlName;
  pjl: PjlJobSettings;
}

/** How to analyse one file. */
export interface AnalyseFileOptions {
  mode: AnalysisMode;
  /** `Date.now()` instant after which analysers stop and report a partial result. */
  deadline: number;
  /** The copies the protocol asked for; 1 when none (the CLI). */
  protocolCopies?: number;
  maxBufferBytes?: number;
  /** The analysers and helpers to use: `defaultToolkit` (analysers.ts), or a test's own. */
  toolkit: AnalysisToolkit;
  /** Called once the language and PJL header are known, before the analyser runs. */
  onDetected?: (detected: DetectedDocument) => void;
}

/** The analysis of a document we cannot count: no pages, with the reason. */
export function emptyLanguageAnalysis(pdl: PdlName, warning: string): LanguageAnalysis {
  return { pdl, pages: [], copies: null, duplex: null, warnings: [warning], partial: true };
}

/** Run the language's analyser; a missing analyser or one that fails still yields a (partial) analysis. */
async function runAnalyser(
  toolkit: AnalysisToolkit,
  pdl: PdlName,
  source: PdlSource,
  limits: AnalysisLimits,
): Promise<LanguageAnalysis> {
  if (pdl === 'unknown') {
    return emptyLanguageAnalysis(
      pdl,
      'The document language was not recognised: pages and colour are unknown',
    );
  }
  const analyser = toolkit.analysers[pdl];
  if (!analyser) {
    return emptyLanguageAnalysis(pdl, `This site has no analyser for ${pdl}: pages and colour are unknown`);
  }
  try {
    return await analyser(source, limits);
  } catch (err) {
    return emptyLanguageAnalysis(pdl, `The ${pdl} analyser failed: ${errorMessage(err)}`);
  }
}

/**
 * Enhanced mode for PS and PDF: per-page colour from ghostscript's ink coverage replaces the analyser's when
 * gs is there and counts the same pages; otherwise the analyser's colour stays, and a warning says why.
 */
async function enhance(
  toolkit: AnalysisToolkit,
  source: PdlSource,
  language: LanguageAnalysis,
  options: AnalyseFileOptions,
): Promise<{ language: LanguageAnalysis; mode: AnalysisMode; warnings: string[] }> {
  const standard = { language, mode: 'standard' as const };
  if (options.mode !== 'enhanced' || (language.pdl !== 'pdf' && language.pdl !== 'postscript')) {
    return { ...standard, warnings: [] };
  }
  if (language.partial || Date.now() >= options.deadline) return { ...standard, warnings: [] };
  if (!toolkit.inkCoverage) {
    return {
      ...standard,
      warnings: ['Enhanced mode is not available on this site: standard colour detection'],
    };
  }
  let coverage;
  try {
    coverage = await toolkit.inkCoverage(source, { deadline: options.deadline });
  } catch (err) {
    return {
      ...standard,
      warnings: [`Ink coverage failed (${errorMessage(err)}): standard colour detection`],
    };
  }
  if (!coverage.available) {
    const why = coverage.warning ?? 'ghostscript is not available';
    return { ...standard, warnings: [`Enhanced mode fell back to standard: ${why}`] };
  }
  if (coverage.pages.length !== language.pages.length) {
    return {
      ...standard,
      warnings: [
        `Ink coverage counted ${coverage.pages.length} pages and the ${language.pdl} analyser ${language.pages.length}: kept the standard colour`,
        ...(coverage.warning ? [coverage.warning] : []),
      ],
    };
  }
  const pages = language.pages.map((page, index) => ({ ...page, color: coverage.pages[index].color }));
  return {
    language: { ...language, pages },
    mode: 'enhanced',
    warnings: coverage.warning ? [coverage.warning] : [],
  };
}

/** One part to analyse: where its bytes are, its language, its PJL settings. */
interface PartToAnalyse {
  source: PdlSource;
  pdl: PdlName;
  pjl: PjlJobSettings;
}

/**
 * The UEL-separated parts of the file (see detect.ts); the whole file as `detect` saw it when the toolkit does
 * not split, when the split fails, or when it finds no part with data.
 */
async function findParts(
  toolkit: AnalysisToolkit,
  whole: PdlSource,
  first: PartToAnalyse,
  limits: AnalysisLimits,
): Promise<{ parts: PartToAnalyse[]; warnings: string[]; partial: boolean }> {
  if (!toolkit.segments) return { parts: [first], warnings: [], partial: false };
  try {
    const found = await toolkit.segments(whole, limits);
    // PJL headers before the first part's data (a port monitor's, then the driver's) all belong to it.
    const parts = found.segments.map((segment, index) => ({
      source: { ...whole, offset: segment.offset, length: segment.length },
      pdl: segment.pdl,
      pjl: toolkit.pjlSettings(
        index === 0 ? { ...first.pjl.variables, ...segment.variables } : segment.variables,
      ),
    }));
    return { parts: parts.length > 0 ? parts : [first], warnings: found.warnings, partial: found.partial };
  } catch (err) {
    return {
      parts: [first],
      warnings: [`The job's parts could not be told apart: ${errorMessage(err)}`],
      partial: false,
    };
  }
}

/**
 * Analyse the file at `path`: detect → split into UEL-separated parts → each part to its language's analyser
 * (and, in enhanced mode, to ink coverage) → merge the parts → combine. A file within the memory budget (and
 * {@link WHOLE_FILE_MAX_BYTES}) is read once, whole, with synchronous I/O, and every step reads that buffer; a
 * larger one is streamed. So this runs on a worker thread or in a command-line tool, never on a server's main
 * thread. Never throws for bad, truncated or hostile data (the result is partial, with warnings); throws only
 * when the file cannot be opened or read.
 */
export async function analyseFile(path: string, options: AnalyseFileOptions): Promise<JobAnalysis> {
  const { toolkit } = options;
  const limits: AnalysisLimits = {
    deadline: options.deadline,
    maxBufferBytes: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
  };
  const spool = readSpoolFile(path, HEAD_BYTES, Math.min(WHOLE_FILE_MAX_BYTES, limits.maxBufferBytes));
  const { head, size } = spool;
  const jobPjl = toolkit.pjlSettings(readPjlHeader(head).variables);
  const detected = toolkit.detect(head);
  options.onDetected?.({ pdl: detected.pdl, pjl: jobPjl });
  const whole: PdlSource = { path, offset: 0, length: size, bytes: spool.bytes ?? undefined };
  const offset = Math.min(Math.max(0, detected.dataOffset), size);
  const first = { source: { ...whole, offset, length: size - offset }, pdl: detected.pdl, pjl: jobPjl };
  const found = await findParts(toolkit, whole, first, limits);
  const analysed: AnalysedPart[] = [];
  const warnings = [...found.warnings];
  let enhancedParts = 0;
  // Ink coverage measures a whole file: a job in several parts keeps the analysers' colour.
  const enhancing = found.parts.length === 1 ? options : { ...options, mode: 'standard' as const };
  if (enhancing !== options && options.mode === 'enhanced') {
    if (found.parts.some((part) => part.pdl === 'pdf' || part.pdl === 'postscript')) {
      warnings.push(`The job has ${found.parts.length} parts: standard colour detection, part by part`);
    }
  }
  for (const part of found.parts) {
    const language = await runAnalyser(toolkit, part.pdl, part.source, limits);
    const enhanced = await enhance(toolkit, part.source, language, enhancing);
    analysed.push({ language: enhanced.language, pjl: part.pjl });
    warnings.push(...enhanced.warnings);
    if (enhanced.mode === 'enhanced') enhancedParts += 1;
  }
  const merged = mergeParts(analysed, jobPjl);
  return combineAnalysis({
    language: merged.language,
    pjl: merged.pjl,
    protocolCopies: options.protocolCopies ?? 1,
    mode: enhancedParts > 0 ? 'enhanced' : 'standard',
    warnings: [...warnings, ...merged.warnings],
    partial: found.partial,
  });
}
