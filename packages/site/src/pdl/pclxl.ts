/**
 * The PCL XL (PCL 6) analyser: reads the job's PCL XL part (from the spool file, or from memory when the job
 * analysis holds the file) in bounded chunks, runs it through the tokenizer and interpreter, and reports one
 * PageFacts per EndPage with paper, duplex and colour, plus the copies the pages ask for. Memory stays within
 * `limits.maxBufferBytes` (at least 64 KB) whatever the job's size: a quarter for the read buffer, a quarter for
 * image rows, a quarter for user-defined streams, and small attribute arrays.
 */
import type { AnalysisLimits, DuplexMode, LanguageAnalysis, LanguageAnalyser, PdlSource } from './pdl-types';
import { PclXlInterpreter } from './pclxl-interpreter';
import type { PclXlTokenizer } from './pclxl-tokenizer';
import { type PclXlPageFacts, foldPageCopies } from './pclxl-media';
import { sourceChunks } from './source-bytes';

const MIN_BUDGET = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;
const MAX_ARRAY = 64 * 1024;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** The duplex mode of the whole document when every page states the same one, else null. */
function documentDuplex(pages: PclXlPageFacts[]): DuplexMode | null {
  const first = pages[0]?.duplex ?? null;
  return first !== null && pages.every((page) => page.duplex === first) ? first : null;
}

/**
 * Feeds one chunk, turning an unexpected exception into a reason to stop: accounting must get the pages counted
 * so far (marked partial) rather than no result at all, even if some input finds a bug here.
 */
function pushSafely(tokenizer: PclXlTokenizer, chunk: Buffer): string | null {
  try {
    tokenizer.push(chunk);
    return null;
  } catch (err) {
    return `the analyser failed on this input (${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * Analyses the PCL XL stream at `source` (from the binding byte of `) HP-PCL XL;...`, or from a UEL/PJL prefix,
 * which is skipped). Never throws for bad data: broken, truncated or over-long input gives the pages counted so
 * far with `partial` and a warning. Only I/O errors (a missing spool file) reject.
 */
export const analysePclXl: LanguageAnalyser = async (
  source: PdlSource,
  limits: AnalysisLimits,
): Promise<LanguageAnalysis> => {
  const budget = Math.max(MIN_BUDGET, limits.maxBufferBytes);
  const interpreter = new PclXlInterpreter({
    arrayCap: clamp(budget / 16, 1024, MAX_ARRAY),
    rowBudget: Math.floor(budget / 4),
    streamBudget: Math.floor(budget / 4),
    outOfTime: () => Date.now() > limits.deadline,
  });
  const tokenizer = interpreter.createTokenizer();
  const chunkSize = clamp(budget / 4, 4096, MAX_CHUNK);
  const end = source.offset + source.length;
  let position = source.offset;
  let stop: string | null = null;
  // Leaving the loop early closes the chunk source, and with it the file.
  for await (const chunk of sourceChunks(source, chunkSize)) {
    if (!tokenizer.running) break;
    if (Date.now() > limits.deadline) {
      stop = 'the time limit was reached before the end of the job';
      break;
    }
    stop = pushSafely(tokenizer, chunk);
    if (stop) break;
    position += chunk.length;
  }
  if (!stop && position < end && tokenizer.running) {
    stop = `the spool file ends ${end - position} bytes before the job's declared end`;
  }
  if (stop) {
    interpreter.partial = true;
    interpreter.warn(`PCL XL: ${stop}; pages after byte ${position - source.offset} were not counted`);
  } else {
    interpreter.finish(tokenizer);
  }
  const folded = foldPageCopies(interpreter.records);
  if (folded.warning) interpreter.warn(`PCL XL: ${folded.warning}`);
  return {
    pdl: 'pcl-xl',
    pages: folded.pages,
    copies: folded.copies,
    duplex: documentDuplex(folded.pages),
    warnings: interpreter.warnings,
    partial: interpreter.partial,
  };
};
