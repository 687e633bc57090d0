/**
 * A page's or form's resource dictionary (§7.8.3): the names content streams use (`/Im1 Do`, `/CS0 cs`) mapped to
 * objects. Each category dictionary is resolved once per resource dictionary, since a content stream names the
 * same resources many times.
 */
import type { PdfDocument } from './pdf-document';
import { asDict, type PdfDict, type PdfObject } from './pdf-objects';

/** The resource categories the colour analysis uses. */
export type ResourceCategory = 'XObject' | 'ColorSpace' | 'Pattern' | 'Shading';

/** Name lookups in one resource dictionary. */
export class Resources {
  private readonly categories = new Map<ResourceCategory, PdfDict | undefined>();

  constructor(
    private readonly doc: PdfDocument,
    /** The resource dictionary, or undefined when the page or form has none. */
    readonly dict: PdfDict | undefined,
  ) {}

  /** Resolves a `/Resources` value (usually a reference) to a lookup object. */
  static async of(doc: PdfDocument, value: PdfObject | undefined): Promise<Resources> {
    return new Resources(doc, asDict(await doc.resolve(value)));
  }

  /** The entry `name` of `category`, unresolved (a reference identifies shared objects for caching). */
  async lookup(category: ResourceCategory, name: string): Promise<PdfObject | undefined> {
    if (!this.categories.has(category)) {
      this.categories.set(category, await this.doc.resolveDict(this.dict?.get(category)));
    }
    return this.categories.get(category)?.get(name);
  }
}
