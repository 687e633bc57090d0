/**
 * The PDF language analyser: opens the PDF part of a spool file for positional reads, reads its cross-reference
 * data (or rebuilds it), lists the pages with their paper, then decides each page's colour from its content.
 * Counting comes first and colour second, so a job that runs out of time still has its exact page count (the
 * pages not examined have colour null, and the result is marked partial).
 *
 * Copies and duplex are left null: a PDF carries them only as `/ViewerPreferences` hints for a viewer's print
 * dialog (`/NumCopies`, `/Duplex`), which printers and the IPP job attributes do not take from the document.
 * An encrypted PDF is counted when its structure is readable, with colour null: we do not decrypt content.
 */
import type { AnalysisLimits, LanguageAnalysis, PdlSource } from '../pdl-types';
import { PdfBudget, PdfFormatError, PdfStop, PdfWarnings } from './pdf-budget';
import { PdfDocument } from './pdf-document';
import { PdfFile } from './pdf-file';
import { PageColourAnalyser } from './pdf-page-colour';
import { readPages } from './pdf-pages';

/** Errors from the file system (the spool file vanished, a disk error): the only errors an analyser throws. */
function isIoError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

function describe(err: unknown): string {
  if (err instanceof PdfStop) return `PDF analysis stopped early: ${err.message}.`;
  if (err instanceof PdfFormatError) return `The PDF is damaged: ${err.message}.`;
  return `The PDF could not be read to the end (${err instanceof Error ? err.message : String(err)}).`;
}

async function analyseColour(
  doc: PdfDocument,
  pages: Awaited<ReturnType<typeof readPages>>['pages'],
  result: LanguageAnalysis,
): Promise<void> {
  const analyser = new PageColourAnalyser(doc);
  for (let index = 0; index < pages.length; index += 1) {
    try {
      doc.budget.checkNow();
      result.pages[index].color = await analyser.pageColour(pages[index]);
    } catch (err) {
      if (isIoError(err)) throw err;
      if (err instanceof PdfStop) {
        doc.warnings.add(
          `${describe(err)} The colour of pages ${index + 1}–${pages.length} was not examined.`,
        );
        result.partial = true;
        return;
      }
      // One unreadable page costs that page's colour, not the rest of the document.
      doc.warnings.add(`The colour of PDF page ${index + 1} is unknown: ${describe(err)}`);
    }
  }
}

async function analyse(
  file: PdfFile,
  budget: PdfBudget,
  warnings: PdfWarnings,
  result: LanguageAnalysis,
): Promise<void> {
  const doc = await PdfDocument.open(file, budget, warnings);
  const list = await readPages(doc);
  result.pages = list.pages.map((page) => ({ color: null, paper: page.paper }));
  if (!list.complete) result.partial = true;
  if (list.pages.length === 0) {
    warnings.add('No pages were found in the PDF.');
    result.partial = true;
    return;
  }
  if (doc.encrypted) {
    warnings.add('The PDF is encrypted: its pages were counted, but their colour is unknown.');
    return;
  }
  await analyseColour(doc, list.pages, result);
}

/**
 * Analyses the PDF at `source` within `limits`. Never throws for bad, truncated or hostile data (the result is
 * then partial, with warnings); only I/O errors on the spool file throw.
 */
export async function analysePdfSource(source: PdlSource, limits: AnalysisLimits): Promise<LanguageAnalysis> {
  const budget = new PdfBudget(limits);
  const warnings = new PdfWarnings();
  const result: LanguageAnalysis = {
    pdl: 'pdf',
    pages: [],
    copies: null,
    duplex: null,
    warnings: [],
    partial: false,
  };
  const file = await PdfFile.open(source, budget.cacheBytes);
  try {
    await analyse(file, budget, warnings, result);
  } catch (err) {
    if (isIoError(err)) throw err;
    warnings.add(describe(err));
    result.partial = true;
  } finally {
    await file.close();
  }
  result.warnings = warnings.toArray();
  return result;
}
