/**
 * Walks the page tree (§7.7.3) to list the pages in order, with the attributes pages inherit from their
 * ancestors (`/MediaBox`, `/CropBox`, `/Resources`; `/Rotate` is inherited too, but the paper does not depend on
 * it). The leaves are counted, not `/Count`: a producer (or an attacker) can write a `/Count` that disagrees with
 * the tree, and we charge for what a printer prints, so a disagreement is reported as a warning. A page listed
 * twice counts twice (ghostscript and qpdf print it twice); a tree node met again (a loop) is skipped; both with a
 * warning. The walk is iterative (no recursion to blow the stack) and bounded in depth, in pages and by the
 * deadline. Without a usable page tree, the pages are the objects of `/Type /Page`, in object-number order, and
 * the result is partial.
 */
import { mediaNameForPoints } from '../media';
import { PDF_LIMITS, PdfFormatError, PdfStop } from './pdf-budget';
import type { PdfDocument } from './pdf-document';
import { asArray, asDict, asName, asNumber, type PdfDict, type PdfObject, PdfRef } from './pdf-objects';

/** One page, as the analyser needs it later. */
export interface PageRecord {
  /** The page object's reference, to read its dictionary again for colour analysis. */
  ref: PdfRef | null;
  /** The page dictionary itself, kept only for a page written directly into `/Kids` (invalid, but seen). */
  dict: PdfDict | null;
  /**
   * `/Resources` inherited from an ancestor (unresolved), when the page has none of its own. A page's own
   * resources are read again with the page: keeping them here would hold every page's dictionary in memory.
   */
  inheritedResources: PdfObject | undefined;
  /** PWG media name of the effective page size, or null when the page has no usable `/MediaBox`. */
  paper: string | null;
}

/** The pages found, and whether the list is known to be complete. */
export interface PageList {
  pages: PageRecord[];
  complete: boolean;
}

interface Inherited {
  mediaBox?: PdfObject;
  cropBox?: PdfObject;
  resources?: PdfObject;
}

interface PendingNode {
  node: PdfObject;
  inherited: Inherited;
  depth: number;
}

type Box = [number, number, number, number];

async function readBox(doc: PdfDocument, value: PdfObject | undefined): Promise<Box | null> {
  const array = asArray(await doc.resolve(value));
  if (!array || array.length < 4) return null;
  const n: number[] = [];
  for (const item of array.slice(0, 4)) {
    const number = asNumber(await doc.resolve(item));
    if (number === undefined) return null;
    n.push(number);
  }
  const box: Box = [Math.min(n[0], n[2]), Math.min(n[1], n[3]), Math.max(n[0], n[2]), Math.max(n[1], n[3])];
  return box[2] - box[0] > 0 && box[3] - box[1] > 0 ? box : null;
}

/** The PWG name of CropBox ∩ MediaBox, scaled by `/UserUnit`; the rotation does not change the media. */
async function paperOf(doc: PdfDocument, page: PdfDict, inherited: Inherited): Promise<string | null> {
  const media = await readBox(doc, inherited.mediaBox);
  if (!media) {
    doc.warnings.add('A PDF page has no usable /MediaBox; its paper size is unknown.');
    return null;
  }
  const crop = await readBox(doc, inherited.cropBox);
  let box = media;
  if (crop) {
    const clipped: Box = [
      Math.max(media[0], crop[0]),
      Math.max(media[1], crop[1]),
      Math.min(media[2], crop[2]),
      Math.min(media[3], crop[3]),
    ];
    // A CropBox outside the MediaBox is ignored, as viewers show the MediaBox then.
    if (clipped[2] > clipped[0] && clipped[3] > clipped[1]) box = clipped;
  }
  const unit = asNumber(await doc.resolve(page.get('UserUnit')));
  const scale = unit !== undefined && unit > 0 && unit <= 75_000 ? unit : 1;
  return mediaNameForPoints((box[2] - box[0]) * scale, (box[3] - box[1]) * scale);
}

function inherit(dict: PdfDict, from: Inherited): Inherited {
  return {
    mediaBox: dict.get('MediaBox') ?? from.mediaBox,
    cropBox: dict.get('CropBox') ?? from.cropBox,
    resources: dict.get('Resources') ?? from.resources,
  };
}

function isPagesNode(dict: PdfDict): boolean {
  const type = asName(dict.get('Type'));
  return type === 'Pages' || (type !== 'Page' && dict.has('Kids'));
}

async function walk(doc: PdfDocument, root: PdfObject, pages: PageRecord[]): Promise<boolean> {
  const visited = new Set<number>();
  const stack: PendingNode[] = [{ node: root, inherited: {}, depth: 0 }];
  let complete = true;
  while (stack.length > 0) {
    doc.budget.tick();
    const { node, inherited, depth } = stack.pop() as PendingNode;
    const dict = asDict(await doc.resolve(node));
    if (!dict && (await doc.recoverOnce())) {
      stack.push({ node, inherited, depth });
      continue;
    }
    if (!dict) {
      doc.warnings.add('The PDF page tree refers to a page that does not exist; it was not counted.');
      complete = false;
      continue;
    }
    if (node instanceof PdfRef) {
      // A page listed twice is printed twice (by ghostscript, qpdf, viewers); a tree node met again is a loop.
      if (visited.has(node.num)) {
        if (isPagesNode(dict)) {
          doc.warnings.add('The PDF page tree lists a node twice (or loops); the repeat was not counted.');
          continue;
        }
        doc.warnings.add('The PDF page tree lists a page twice; it was counted twice, as printers print it.');
      }
      visited.add(node.num);
    }
    const attributes = inherit(dict, inherited);
    if (!isPagesNode(dict)) {
      if (pages.length >= PDF_LIMITS.maxPages)
        throw new PdfStop('the document has more pages than supported');
      const paper = await paperOf(doc, dict, attributes);
      const ref = node instanceof PdfRef ? node : null;
      const inheritedResources = dict.has('Resources') ? undefined : attributes.resources;
      pages.push({ ref, dict: ref ? null : dict, inheritedResources, paper });
      continue;
    }
    if (depth >= PDF_LIMITS.maxTreeDepth) {
      doc.warnings.add('The PDF page tree is nested too deeply; the deepest pages were not counted.');
      complete = false;
      continue;
    }
    const kids = asArray(await doc.resolve(dict.get('Kids'))) ?? [];
    for (let i = kids.length - 1; i >= 0; i -= 1)
      stack.push({ node: kids[i], inherited: attributes, depth: depth + 1 });
  }
  return complete;
}

/** Last resort: every `/Type /Page` object, in object-number order. */
async function pagesByType(doc: PdfDocument, pages: PageRecord[]): Promise<void> {
  for (const num of doc.objectNumbers()) {
    doc.budget.tick();
    const dict = asDict(await doc.getObject(num));
    if (!dict || asName(dict.get('Type')) !== 'Page') continue;
    const parent = await doc.resolveDict(dict.get('Parent'));
    const attributes = inherit(dict, parent ? inherit(parent, {}) : {});
    pages.push({
      ref: new PdfRef(num, 0),
      dict: null,
      inheritedResources: dict.has('Resources') ? undefined : attributes.resources,
      paper: await paperOf(doc, dict, attributes),
    });
  }
}

/** Lists the document's pages; stops early (complete = false) on the deadline or a structural failure. */
export async function readPages(doc: PdfDocument): Promise<PageList> {
  const pages: PageRecord[] = [];
  try {
    let rootNode = (await doc.resolveDict(doc.trailer.get('Root')))?.get('Pages');
    let root = await doc.resolveDict(rootNode);
    if (!root && (await doc.recoverOnce())) {
      rootNode = (await doc.resolveDict(doc.trailer.get('Root')))?.get('Pages');
      root = await doc.resolveDict(rootNode);
    }
    if (!root) {
      doc.warnings.add('The PDF has no page tree; pages were found by their /Type instead, in object order.');
      await pagesByType(doc, pages);
      return { pages, complete: false };
    }
    const complete = await walk(doc, rootNode ?? null, pages);
    const declared = asNumber(await doc.resolve(root.get('Count')));
    if (declared !== pages.length) {
      doc.warnings.add(
        `The PDF page tree says /Count ${declared ?? 'nothing'} but lists ${pages.length} pages; counted ${pages.length}.`,
      );
    }
    return { pages, complete };
  } catch (err) {
    if (err instanceof PdfStop) doc.warnings.add(`PDF page counting stopped early: ${err.message}.`);
    else if (err instanceof PdfFormatError)
      doc.warnings.add(`PDF page counting stopped early: ${err.message}.`);
    else throw err;
    return { pages, complete: false };
  }
}
