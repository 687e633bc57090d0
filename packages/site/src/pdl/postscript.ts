/**
 * The PostScript analyser. One streaming pass feeds the job through the tokenizer (postscript-lexer.ts) into two
 * readers at once: the DSC comment reader (postscript-dsc.ts) and a small interpreter (postscript-interp.ts)
 * that follows `showpage` and the colour and page-device operators. Both report to one page tracker
 * (postscript-pages.ts), which keeps the DSC pages and the executed pages side by side. A driver's prolog, the
 * same bytes at the start of every job it writes, is run once and then restored from a snapshot of the state it
 * left, with the same result (postscript-prolog-feeder.ts): ps2write's is most of the cost of a small job. Then:
 *
 * 1. When the interpreter followed every `showpage` (none sat in a condition or loop it could not evaluate) and
 *    saw at least one, its pages win, even over consistent DSC comments. A printer prints what the program
 *    executes; comments are not executed, and can be stale (concatenated jobs) or simply false. When an error
 *    ended the job (see postscript-interp.ts), they win even when there are none: a printer prints no more.
 * 2. Otherwise, when the DSC comments are consistent (a `%!PS-Adobe-` header, at least one `%%Page:`, and a
 *    `%%Pages:` count, if given, equal to the `%%Page:` count), the DSC pages are used. This is the normal case
 *    for driver output, and always the rule for ghostscript's ps2write output, whose `showpage` runs inside its
 *    prolog. When the interpreter had seen `showpage` in undecidable places, a warning says so.
 * 3. Otherwise the larger of the two counts is used (the `%%Pages:` count when there is no other), with a warning:
 *    the count is uncertain and enhanced mode (ghostscript) should be used for this job.
 *
 * Limits, reported in `warnings` when they apply: `showpage` executed in a loop whose count comes from data, in a
 * condition on a run-time value, from a string (`(showpage) cvx exec`) or after the interpreter lost track of the
 * operand stack, cannot be counted by scanning; colour painted inside such branches is unknown; images in an RGB
 * or CMYK space count as colour unless their data is in the job in a lossless encoding and every pixel proves
 * grey (postscript-image-pixels.ts); patterns and Type 3 glyph procedures are unknown; binary image data of
 * unknown length can derail the tokenizer (DSC still counts). Copies come from NumCopies/#copies/DSC (the last
 * value set).
 */
import { type AnalysisLimits, type LanguageAnalysis, type PageFacts, type PdlSource } from './pdl-types';
import { DscReader } from './postscript-dsc';
import { DeadlineReached, PsInterpreter } from './postscript-interp';
import { PsLexer } from './postscript-lexer';
import { MAX_PAGES, PageTracker } from './postscript-pages';
import { Ps2WriteContent } from './postscript-pdf';
import { type PrologCache } from './postscript-prolog-cache';
import { PROLOG_CACHE, PrologFeeder, type PrologSnapshot } from './postscript-prolog-feeder';
import { type SkipCollector } from './postscript-skip';
import { chunkBytes } from './raster-stream';
import { sourceBytes, sourceChunks } from './source-bytes';

/** Bytes of memory one stored procedure-body item costs, roughly, for the memory budget. */
const BYTES_PER_ITEM = 64;
const MIN_ITEM_BUDGET = 20_000;

interface ScanOutcome {
  pages: PageTracker;
  dsc: DscReader;
  ps2write: boolean;
  stoppedEarly: string | null;
}

async function scan(
  source: PdlSource,
  limits: AnalysisLimits,
  cache: PrologCache<PrologSnapshot> | null,
): Promise<ScanOutcome> {
  const pages = new PageTracker();
  const dsc = new DscReader();
  let lexer: PsLexer | null = null;
  let hook: Ps2WriteContent | null = null;
  const skipper = {
    skipBytes: (count: number) => lexer?.skipBytes(count),
    skipUntil: (marker: string) => lexer?.skipUntil(marker),
    skipHexDigits: (count: number) => lexer?.skipHexDigits(count),
    skipInlineImage: () => lexer?.skipInlineImage(),
    collectSkipped: (collector: SkipCollector) => lexer?.collectSkipped(collector),
    keepStringContent: (keep: boolean) => lexer?.keepStringContent(keep),
    skipDataRegion: () => lexer?.skipDataRegion() ?? false,
    resynchroniseAtPages: () => lexer?.resynchroniseAtPages(),
  };
  const interpreter = new PsInterpreter({
    deadline: limits.deadline,
    itemBudget: Math.max(MIN_ITEM_BUDGET, Math.floor(limits.maxBufferBytes / BYTES_PER_ITEM)),
    pages,
    data: skipper,
  });
  const outcome: ScanOutcome = { pages, dsc, ps2write: false, stoppedEarly: null };
  const target = {
    pages,
    enablePs2Write: () => {
      outcome.ps2write = true;
      hook = new Ps2WriteContent(pages, limits.maxBufferBytes);
      interpreter.nameHook = hook;
    },
    dataRegion: (bytes: number | null) => lexer?.dataRegion(bytes),
  };
  let feeder: PrologFeeder | null = null;
  lexer = new PsLexer({
    token: (token) => interpreter.token(token),
    dscComment: (line) => {
      feeder?.noteDscLine(line);
      dsc.handle(line, target);
    },
  });
  const parts = {
    lexer,
    interpreter,
    pages,
    hook: () => hook,
    dscLine: (line: string) => dsc.handle(line, target),
    maxBufferBytes: limits.maxBufferBytes,
  };
  feeder = new PrologFeeder(parts, sourceBytes(source), cache);
  if (source.length > 0) {
    try {
      // Leaving the loop early (a break or a throw) closes the chunk source, and with it the file.
      for await (const chunk of sourceChunks(source, chunkBytes(limits))) {
        if (Date.now() > limits.deadline) throw new DeadlineReached();
        feeder.feed(chunk);
        if (pages.overflow) {
          outcome.stoppedEarly = `more than ${MAX_PAGES} pages; counting stopped there`;
          break;
        }
        // The rest of a job an error ended is flushed by a printer, unread.
        if (interpreter.ended) break;
      }
      lexer.end();
    } catch (err) {
      if (!(err instanceof DeadlineReached)) throw err;
      outcome.stoppedEarly = `time limit reached after ${Math.round(lexer.consumed / 1024)} KB`;
    }
  }
  pages.dscEnd();
  return outcome;
}

function dscConsistent(dsc: DscReader, pages: PageTracker): boolean {
  const found = pages.dscPages.length;
  return dsc.conforming && found > 0 && (dsc.declaredPages === null || dsc.declaredPages === found);
}

/** Describes the DSC comments that were not used, for a warning. */
function dscSummary(dsc: DscReader, pages: PageTracker): string {
  const declared = dsc.declaredPages === null ? 'no %%Pages count' : `%%Pages: ${dsc.declaredPages}`;
  return `${declared}, ${pages.dscPages.length} %%Page comments`;
}

/** Picks the page list to report, following the rules in the file comment; warnings explain the choice. */
function choosePages(outcome: ScanOutcome, warnings: string[]): PageFacts[] {
  const { pages, dsc } = outcome;
  const executed = pages.execPages;
  const decidable = pages.undecidableReasons.size === 0;
  const consistent = dscConsistent(dsc, pages);
  const reasons = [...pages.undecidableReasons].join('; ');
  if (decidable && (executed.length > 0 || pages.endedBy !== null) && !outcome.ps2write) {
    if (consistent && pages.dscPages.length !== executed.length) {
      warnings.push(
        `the DSC comments announce ${pages.dscPages.length} pages but the program executes showpage ` +
          `${executed.length} times; counted the executed pages`,
      );
    } else if (!consistent && pages.dscPages.length > 0) {
      warnings.push(`DSC comments are inconsistent (${dscSummary(dsc, pages)}); counted the executed pages`);
    }
    return executed;
  }
  if (consistent) {
    if (!decidable && !outcome.ps2write) {
      warnings.push(
        `page count taken from the DSC comments: the scanner cannot follow every showpage (${reasons})`,
      );
    }
    return pages.dscPages;
  }
  return uncertainPages(outcome, warnings, reasons);
}

function uncertainPages(outcome: ScanOutcome, warnings: string[], reasons: string): PageFacts[] {
  const { pages, dsc } = outcome;
  const executed = pages.execPages;
  const why = reasons ? ` (${reasons})` : '';
  if (executed.length === 0 && pages.dscPages.length === 0) {
    const declared = dsc.declaredPages ?? 0;
    warnings.push(
      declared > 0
        ? `no showpage could be followed and no %%Page comment found${why}; counted the ${declared} pages %%Pages declares`
        : `no page found: the job executes no showpage the scanner can follow${why}`,
    );
    return Array.from({ length: declared }, () => ({ color: null, paper: null }));
  }
  const useDsc = pages.dscPages.length > executed.length;
  warnings.push(
    `page count uncertain: DSC comments unusable (${dscSummary(dsc, pages)}) and showpage not always followed${why}; ` +
      `counted ${useDsc ? pages.dscPages.length : executed.length} pages (use enhanced mode for this job)`,
  );
  return useDsc ? pages.dscPages : executed;
}

function commonDuplex(pages: PageFacts[], fallback: LanguageAnalysis['duplex']): LanguageAnalysis['duplex'] {
  if (pages.length === 0) return fallback;
  const first = pages[0].duplex ?? null;
  return pages.every((page) => (page.duplex ?? null) === first) ? first : null;
}

/**
 * Analyses a PostScript job: pages (see the file comment for how the count is chosen), per-page colour, paper and
 * duplex, and copies. Streams the job with bounded memory and honours the deadline; never throws for bad data.
 * A job held in memory whose program starts as a recent job's did is restored from the state that part left
 * (postscript-prolog-feeder.ts), with the same result as running it.
 */
export function analysePostScript(source: PdlSource, limits: AnalysisLimits): Promise<LanguageAnalysis> {
  return analysePostScriptWith(source, limits, PROLOG_CACHE);
}

/** {@link analysePostScript} with the given prolog cache; null runs every byte of the job. */
export async function analysePostScriptWith(
  source: PdlSource,
  limits: AnalysisLimits,
  cache: PrologCache<PrologSnapshot> | null,
): Promise<LanguageAnalysis> {
  const outcome = await scan(source, limits, cache);
  const warnings: string[] = [];
  const chosen = choosePages(outcome, warnings);
  const { pages } = outcome;
  const unknownColour = chosen.filter((page) => page.color === null).length;
  if (unknownColour > 0) {
    warnings.push(
      `the colour of ${unknownColour} pages is unknown (patterns, compressed content, or branches the scanner ` +
        'cannot evaluate); enhanced mode measures it',
    );
  }
  // A notice already quoted in a page-count warning is not repeated.
  warnings.push(
    ...[...pages.notices].filter((notice) => !warnings.some((warning) => warning.includes(notice))),
  );
  if (pages.copiesVaried)
    warnings.push(`copies were set to several values; reported the last one (${pages.copies})`);
  if (pages.endedBy !== null) {
    warnings.push(
      `the job ends early, at ${pages.endedBy}: as on a printer, the pages shown before that count ` +
        'and nothing after it',
    );
  }
  if (outcome.stoppedEarly) warnings.push(`${outcome.stoppedEarly}; the page count is a floor`);
  else if (outcome.dsc.conforming && !outcome.dsc.sawEof && pages.endedBy === null) {
    warnings.push('the DSC job has no %%EOF: it may be truncated; pages after the cut are not counted');
  }
  return {
    pdl: 'postscript',
    pages: chosen.map((page) => ({ ...page })),
    copies: pages.copies,
    duplex: commonDuplex(chosen, pages.duplexMode),
    warnings,
    partial: outcome.stoppedEarly !== null,
  };
}
