/**
 * The PCL 5 language analyser: streams the job's PCL bytes (from the spool file, or from memory when the job
 * analysis holds the file) through the scanner and the interpreter (pcl5-scanner.ts, pcl5-interpreter.ts) in
 * chunks, so memory stays bounded whatever the job size, and turns the ejected pages into the shared
 * {@link LanguageAnalysis}. Raster and font data are skipped by their declared lengths, except raster rows that
 * must be decoded to tell a colour page from a grey one.
 *
 * Copies: `ESC &l#X` is a per-page setting. When every page has the same value it is reported as the job's
 * `copies` (null when the job never set it); when pages differ, each page is listed as many times as it prints
 * and `copies` is 1, with a warning. Duplex is reported per page, and for the job when all pages agree.
 */
import type {
  AnalysisLimits,
  DuplexMode,
  LanguageAnalysis,
  LanguageAnalyser,
  PageFacts,
  PdlSource,
} from './pdl-types';
import { Pcl5Interpreter, type Pcl5Page } from './pcl5-interpreter';
import { sourceChunks } from './source-bytes';

const MIN_CHUNK = 4096;
const MAX_CHUNK = 1 << 20;
const MAX_HELD_PAYLOAD = 4 << 20;

function pageFacts(page: Pcl5Page): PageFacts {
  return { color: page.color, paper: page.paper, duplex: page.duplex };
}

function jobDuplex(pages: Pcl5Page[]): DuplexMode | null {
  const first = pages[0]?.duplex ?? null;
  return pages.every((page) => page.duplex === first) ? first : null;
}

function copiesAndPages(
  pages: Pcl5Page[],
  warnings: string[],
): { copies: number | null; pages: PageFacts[] } {
  const first = pages[0]?.copies ?? null;
  if (pages.every((page) => page.copies === first)) return { copies: first, pages: pages.map(pageFacts) };
  warnings.push('the number of copies (ESC &l#X) changes between pages: each page is listed once per copy');
  const expanded: PageFacts[] = [];
  for (const page of pages) for (let i = 0; i < (page.copies ?? 1); i += 1) expanded.push(pageFacts(page));
  return { copies: 1, pages: expanded };
}

async function scan(
  source: PdlSource,
  limits: AnalysisLimits,
  interpreter: Pcl5Interpreter,
): Promise<string[]> {
  const problems: string[] = [];
  if (source.length <= 0) return problems;
  const chunkSize = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.floor(limits.maxBufferBytes / 4)));
  let read = 0;
  for await (const chunk of sourceChunks(source, chunkSize)) {
    read += chunk.length;
    interpreter.scanner.feed(chunk);
    if (interpreter.scanner.stopped) break;
    if (Date.now() > limits.deadline) {
      interpreter.stoppedEarly = true;
      problems.push(
        `time limit reached after ${read} of ${source.length} bytes: the page count is a minimum`,
      );
      return problems;
    }
  }
  if (read < source.length && !interpreter.scanner.stopped) {
    problems.push(
      `the file ended after ${read} of the ${source.length} bytes expected: the page count is a minimum`,
    );
  }
  return problems;
}

/**
 * Analyse the PCL 5 part of a job: one page entry per page of one copy, with colour, paper and duplex. Never
 * throws for bad data (only when the file cannot be read): damaged data gives `partial` and a warning.
 */
export const analysePcl5: LanguageAnalyser = async (
  source: PdlSource,
  limits: AnalysisLimits,
): Promise<LanguageAnalysis> => {
  const heldBytes = Math.max(MIN_CHUNK, Math.min(MAX_HELD_PAYLOAD, Math.floor(limits.maxBufferBytes / 4)));
  const interpreter = new Pcl5Interpreter({
    maxPayloadBytes: heldBytes,
    maxMacroBytes: heldBytes,
    shouldStop: () => Date.now() > limits.deadline,
  });
  const problems = await scan(source, limits, interpreter);
  interpreter.finish();
  const warnings = [...problems];
  if (interpreter.scanner.truncated) {
    warnings.push('the PCL data ends inside a command or its data: the job looks truncated');
  }
  if (interpreter.stoppedEarly && problems.length === 0) {
    warnings.push('time limit reached while running PCL macros: the page count is a minimum');
  }
  warnings.push(...interpreter.warnings);
  const { copies, pages } = copiesAndPages(interpreter.pages, warnings);
  return {
    pdl: 'pcl5',
    pages,
    copies,
    duplex: jobDuplex(interpreter.pages),
    warnings,
    partial: problems.length > 0 || interpreter.scanner.truncated || interpreter.stoppedEarly,
  };
};
