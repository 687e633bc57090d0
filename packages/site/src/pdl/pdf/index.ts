/**
 * The PDF analyser, our own reader (no PDF library): page count, paper and per-page colour of a PDF job, read by
 * position from the spool file with bounded memory. See pdf-analyser.ts for what it reports and why.
 */
import type { LanguageAnalyser } from '../pdl-types';
import { analysePdfSource } from './pdf-analyser';

/** Analyses the PDF part of a job: one `PageFacts` per page, colour from content operators (standard mode). */
export const analysePdf: LanguageAnalyser = analysePdfSource;
