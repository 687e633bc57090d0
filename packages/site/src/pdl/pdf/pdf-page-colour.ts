/**
 * Decides per page whether it paints in colour ("standard mode": from the document's own operators and colour
 * spaces, without rendering). A page's content streams are scanned (pdf-content); names they use are resolved
 * here against the page's or form's resources: colour spaces, images, form XObjects (scanned recursively up to
 * a depth limit, each scanned once and cached, a form that paints itself counted as painting nothing), patterns
 * and shadings. Annotations are not looked at: what a viewer prints of them depends on print settings.
 *
 * The verdict: true when anything is painted in colour; null when something painted has an unknown colour or a
 * content stream could not be decoded in full (and no colour was found before); false otherwise.
 */
import { PDF_LIMITS } from './pdf-budget';
import { deviceSpace, GREY, readColourSpace, type ColourSpace, type Tri, unknownSpace } from './pdf-colour';
import { scanContent } from './pdf-content';
import { pageContent } from './pdf-content-source';
import {
  COLOUR,
  INHERITED_FILL,
  INHERITED_STROKE,
  MARK_COLOUR,
  MARK_UNKNOWN,
  MONO,
  type PaintResolver,
  stateOf,
  UNKNOWN,
  type XObjectPaint,
} from './pdf-paint';
import type { PdfDocument } from './pdf-document';
import { imageState, inlineImageState } from './pdf-image';
import type { InlineImage } from './pdf-inline-image';
import { asDict, asName, asNumber, type PdfObject, PdfRef, PdfStream } from './pdf-objects';
import type { PageRecord } from './pdf-pages';
import { Resources } from './pdf-resources';
import { shadingState } from './pdf-shading';

const CACHE_ENTRIES = 10_000;

/** A cache by object number that forgets everything when full (bounded memory, simple, rarely hit). */
class ObjectCache<T> {
  private readonly map = new Map<number, T>();

  get(ref: PdfObject | undefined): T | undefined {
    return ref instanceof PdfRef ? this.map.get(ref.num) : undefined;
  }

  set(ref: PdfObject | undefined, value: T): T {
    if (!(ref instanceof PdfRef)) return value;
    if (this.map.size >= CACHE_ENTRIES) this.map.clear();
    this.map.set(ref.num, value);
    return value;
  }
}

/** Colour analysis of the pages of one document, with results for shared objects cached across pages. */
export class PageColourAnalyser {
  readonly forms = new ObjectCache<number>();
  readonly images = new ObjectCache<number | 'stencil'>();
  readonly shadings = new ObjectCache<number>();
  readonly patterns = new ObjectCache<number>();
  readonly spaces = new ObjectCache<ColourSpace>();
  readonly formsInProgress = new Set<number>();

  constructor(readonly doc: PdfDocument) {}

  /** The colour verdict of one page. */
  async pageColour(page: PageRecord): Promise<Tri> {
    const dict = page.dict ?? (await this.doc.resolveDict(page.ref));
    if (!dict) return null;
    const status = { complete: true };
    const resources = await Resources.of(this.doc, dict.get('Resources') ?? page.inheritedResources);
    const marks = await scanContent(
      await pageContent(this.doc, dict.get('Contents'), status),
      new ResourceResolver(this, resources, 0),
      { fill: MONO, stroke: MONO, space: GREY },
      this.doc.budget,
    );
    if (marks & MARK_COLOUR) return true;
    if (!status.complete) return null;
    if (marks & MARK_UNKNOWN) {
      this.doc.warnings.add(
        'Something on a PDF page is painted in a colour space we cannot interpret; its colour is unknown.',
      );
      return null;
    }
    return false;
  }
}

/** Resolves the names used by one content stream against its resources. */
class ResourceResolver implements PaintResolver {
  private readonly namedSpaces = new Map<string, ColourSpace>();
  private readonly lookupNamed = (name: string) => this.resources.lookup('ColorSpace', name);

  constructor(
    private readonly analyser: PageColourAnalyser,
    private readonly resources: Resources,
    private readonly depth: number,
  ) {}

  private get doc(): PdfDocument {
    return this.analyser.doc;
  }

  async colourSpace(name: string): Promise<ColourSpace> {
    const device = deviceSpace(name);
    if (device) return device;
    const known = this.namedSpaces.get(name);
    if (known) return known;
    const value = await this.resources.lookup('ColorSpace', name);
    const space =
      this.analyser.spaces.get(value) ??
      this.analyser.spaces.set(value, await readColourSpace(this.doc, value ?? name, this.lookupNamed));
    this.namedSpaces.set(name, space);
    return space;
  }

  async pattern(name: string, operands: number[], base: ColourSpace | null): Promise<number> {
    const value = await this.resources.lookup('Pattern', name);
    const resolved = await this.doc.resolve(value);
    const dict = asDict(resolved);
    if (!dict) return MONO;
    if (asNumber(await this.doc.resolve(dict.get('PatternType'))) === 2) {
      const cached = this.analyser.patterns.get(value);
      if (cached !== undefined) return cached;
      return this.analyser.patterns.set(
        value,
        await shadingState(this.doc, dict.get('Shading'), this.lookupNamed),
      );
    }
    if (asNumber(await this.doc.resolve(dict.get('PaintType'))) === 2) {
      // Uncoloured tiling pattern: the operands before the name give its colour in the underlying space.
      return base
        ? stateOf(base.colourOf(operands.slice(Math.max(0, operands.length - base.components))))
        : UNKNOWN;
    }
    if (!(resolved instanceof PdfStream)) return MONO;
    const cached = this.analyser.patterns.get(value);
    if (cached !== undefined) return cached;
    const marks = await this.scanNested(resolved, { fill: MONO, stroke: MONO, space: GREY });
    return this.analyser.patterns.set(
      value,
      marks & MARK_COLOUR ? COLOUR : marks & MARK_UNKNOWN ? UNKNOWN : MONO,
    );
  }

  async xobject(name: string): Promise<XObjectPaint> {
    const value = await this.resources.lookup('XObject', name);
    const stream = await this.doc.resolve(value);
    if (!(stream instanceof PdfStream)) return { kind: 'none' };
    const subtype = asName(await this.doc.resolve(stream.dict.get('Subtype')));
    if (subtype === 'Image') {
      const state =
        this.analyser.images.get(value) ??
        this.analyser.images.set(value, await imageState(this.doc, stream, this.lookupNamed));
      return state === 'stencil' ? { kind: 'stencil' } : { kind: 'image', state };
    }
    if (subtype !== 'Form') return { kind: 'none' };
    // A form without its own resources uses the page's: its verdict depends on them, so it is not cached.
    const cacheable = stream.dict.has('Resources');
    const cached = cacheable ? this.analyser.forms.get(value) : undefined;
    if (cached !== undefined) return { kind: 'form', marks: cached };
    const marks = await this.scanNested(stream, {
      fill: INHERITED_FILL,
      stroke: INHERITED_STROKE,
      space: unknownSpace('inherited'),
    });
    return { kind: 'form', marks: cacheable ? this.analyser.forms.set(value, marks) : marks };
  }

  async shading(name: string): Promise<number> {
    const value = await this.resources.lookup('Shading', name);
    const cached = this.analyser.shadings.get(value);
    if (cached !== undefined) return cached;
    return this.analyser.shadings.set(value, await shadingState(this.doc, value, this.lookupNamed));
  }

  warn(message: string): void {
    this.doc.warnings.add(message);
  }

  inlineImage(image: InlineImage): Promise<number | 'stencil'> {
    return inlineImageState(this.doc, image, this.lookupNamed);
  }

  /** Scans a form or tiling pattern with its own resources (or these), guarding depth and self-reference. */
  private async scanNested(
    stream: PdfStream,
    initial: { fill: number; stroke: number; space: ColourSpace },
  ): Promise<number> {
    if (this.depth >= PDF_LIMITS.maxFormDepth) {
      this.doc.warnings.add('PDF forms or patterns are nested too deeply; the deepest were not examined.');
      return MARK_UNKNOWN;
    }
    const key = stream.objectNumber;
    if (key > 0 && this.analyser.formsInProgress.has(key)) {
      this.doc.warnings.add('A PDF form paints itself; the repetition was ignored.');
      return 0;
    }
    if (key > 0) this.analyser.formsInProgress.add(key);
    try {
      const ownResources = stream.dict.get('Resources');
      const resources =
        ownResources === undefined ? this.resources : await Resources.of(this.doc, ownResources);
      const status = { complete: true };
      const marks = await scanContent(
        await pageContent(this.doc, stream, status),
        new ResourceResolver(this.analyser, resources, this.depth + 1),
        initial,
        this.doc.budget,
      );
      return status.complete || marks & MARK_COLOUR ? marks : marks | MARK_UNKNOWN;
    } finally {
      if (key > 0) this.analyser.formsInProgress.delete(key);
    }
  }
}
