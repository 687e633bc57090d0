/**
 * Ghostscript's ps2write output is a PDF inside PostScript: a prolog (opdfread) that interprets PDF objects,
 * then per DSC page the page object (`4 0 obj << /Type /Page /MediaBox [...] /Contents 5 0 R >> endobj`) and its
 * content stream, written out uncompressed, with PDF operators (`rg`, `k`, `cs`/`scn`, inline images). Running
 * the prolog's procedures would tell nothing; instead, at top level, this hook reads the objects itself: page
 * objects give the paper and resources, content streams are scanned with the PDF operators below, and every
 * other stream (fonts, functions, images) is skipped to `endstream`. Pages are the DSC pages (ps2write writes
 * exact `%%Page:` comments; the `showpage` is inside the prolog).
 *
 * Images in an RGB or CMYK space are judged by their pixels where the data can be decoded (ps2write writes a
 * grey shading as an RGB inline image, A85 and LZW coded): an inline image paints at its `EI`, an image XObject
 * is looked at when its stream is skipped, and `Do` uses that verdict (postscript-image-pixels.ts).
 */
import { mediaNameForPoints } from './media';
import {
  classifyColour,
  type ColourClass,
  type ColourSpace,
  CMYK_SPACE,
  GRAY_SPACE,
  imageClass,
  initialColour,
  RGB_SPACE,
  spaceForName,
} from './postscript-colour';
import { initialGraphics, paintWith, shadingClass, spaceFromValue } from './postscript-graphics';
import { collectorFor, type PixelTest, pixelTest } from './postscript-image-pixels';
import { type NameHook, type PsInterpreter } from './postscript-interp';
import { type PageTracker } from './postscript-pages';
import {
  asNumber,
  dictGet,
  isArray,
  isDict,
  isMark,
  isName,
  keyOf,
  MARK,
  numberArray,
  type PsValue,
  type ValueCopier,
} from './postscript-values';

/** An image dictionary's entry under its full or its abbreviated (inline image) key. */
type ImageEntry = (full: string, short: string) => PsValue | undefined;

/** Bytes one kept object costs, roughly, for the memory budget. */
const BYTES_PER_OBJECT = 512;
/** Object types never looked up for colour: pages are read when they end, fonts do not paint in colour here. */
const UNNEEDED_TYPES = new Set(['Page', 'Pages', 'Catalog', 'Font', 'FontDescriptor', 'Encoding']);

/** Names the interpreter's own operators handle inside content (dictionary and array syntax, literals). */
const PASS_THROUGH = new Set(['[', ']', '<<', '>>', 'true', 'false', 'null']);

type Side = 'fill' | 'stroke';
type ContentOp = (hook: Ps2WriteContent, ps: PsInterpreter) => void;

function setColour(ps: PsInterpreter, side: Side, space: ColourSpace, cls: ColourClass): void {
  ps.graphics = { ...ps.graphics, [side]: { space, cls } };
}

function deviceColour(side: Side, space: ColourSpace): ContentOp {
  return (_hook, ps) =>
    setColour(
      ps,
      side,
      space,
      classifyColour(
        space,
        ps.popMany(space.comps).map((v) => asNumber(v)),
      ),
    );
}

function setSpace(side: Side): ContentOp {
  return (hook, ps) => {
    const space = hook.space(ps.pop());
    setColour(ps, side, space, initialColour(space));
  };
}

function setComponents(side: Side): ContentOp {
  return (_hook, ps) => {
    const space = ps.graphics[side].space;
    if (isName(ps.stack[ps.stack.length - 1] ?? null) || space.kind === 'pattern') {
      return setColour(ps, side, space, 'unknown');
    }
    const values = ps.popMany(space.comps).map((v) => asNumber(v));
    setColour(ps, side, space, classifyColour(space, values));
  };
}

function paint(...sides: Side[]): ContentOp {
  return (_hook, ps) => {
    for (const side of sides) paintWith(ps, ps.graphics[side].cls);
  };
}

const CONTENT_OPS: Record<string, ContentOp> = {
  g: deviceColour('fill', GRAY_SPACE),
  G: deviceColour('stroke', GRAY_SPACE),
  rg: deviceColour('fill', RGB_SPACE),
  RG: deviceColour('stroke', RGB_SPACE),
  k: deviceColour('fill', CMYK_SPACE),
  K: deviceColour('stroke', CMYK_SPACE),
  cs: setSpace('fill'),
  CS: setSpace('stroke'),
  sc: setComponents('fill'),
  scn: setComponents('fill'),
  SC: setComponents('stroke'),
  SCN: setComponents('stroke'),
  f: paint('fill'),
  F: paint('fill'),
  'f*': paint('fill'),
  S: paint('stroke'),
  s: paint('stroke'),
  B: paint('fill', 'stroke'),
  'B*': paint('fill', 'stroke'),
  b: paint('fill', 'stroke'),
  'b*': paint('fill', 'stroke'),
  Tj: paint('fill'),
  TJ: paint('fill'),
  "'": paint('fill'),
  '"': paint('fill'),
  sh: (hook, ps) => paintWith(ps, shadingClass(hook.resource('Shading', ps.pop()), hook.resolve)),
  Do: (hook, ps) => paintWith(ps, hook.xObjectClass(ps, ps.pop())),
  BI: (_hook, ps) => ps.push(MARK),
  ID: (hook, ps) => hook.inlineImage(ps),
  q: (_hook, ps) => ps.gsave(),
  Q: (_hook, ps) => ps.grestore(),
};

function isImage(value: PsValue): boolean {
  return isDict(value) && keyOf(dictGet(value, 'Subtype') ?? null) === 'Image';
}

/** What a {@link Ps2WriteContent} outside a content stream holds, for the prolog cache. */
export interface Ps2WriteState {
  objects: Map<number, PsValue>;
  currentObject: number | null;
  contents: Set<number>;
  resources: PsValue | undefined;
  greyImages: Set<number>;
}

function copyState(state: Ps2WriteState, copy: ValueCopier): Ps2WriteState {
  const objects = new Map<number, PsValue>();
  for (const [num, value] of state.objects) objects.set(num, copy.value(value));
  return {
    objects,
    currentObject: state.currentObject,
    contents: new Set(state.contents),
    resources: state.resources === undefined ? undefined : copy.value(state.resources),
    greyImages: new Set(state.greyImages),
  };
}

/** The {@link NameHook} for ps2write output. See the file comment. */
export class Ps2WriteContent implements NameHook {
  private objects = new Map<number, PsValue>();
  private currentObject: number | null = null;
  private contents = new Set<number>();
  private resources: PsValue | undefined;
  private inContent = false;
  /** Image XObjects whose pixels were all seen grey, by object number. */
  private greyImages = new Set<number>();

  private readonly maxObjects: number;

  /** `memoryBudget` bounds the objects kept for resource lookup; past it, colour in new resources is unknown. */
  constructor(
    private readonly pages: PageTracker,
    memoryBudget: number,
  ) {
    this.maxObjects = Math.max(1000, Math.floor(memoryBudget / BYTES_PER_OBJECT));
  }

  /** True outside page content, where {@link exportState} holds everything the hook will act on. */
  get quiescent(): boolean {
    return !this.inContent;
  }

  /** A copy of a {@link quiescent} hook's state (see {@link ValueCopier}). */
  exportState(copy: ValueCopier): Ps2WriteState {
    const { objects, currentObject, contents, resources, greyImages } = this;
    return copyState({ objects, currentObject, contents, resources, greyImages }, copy);
  }

  /** Takes a copy of `state` as this (fresh) hook's own. */
  importState(state: Ps2WriteState, copy: ValueCopier): void {
    ({
      objects: this.objects,
      currentObject: this.currentObject,
      contents: this.contents,
      resources: this.resources,
      greyImages: this.greyImages,
    } = copyState(state, copy));
  }

  /** Follows an indirect reference to the object read earlier (undefined when it was not). */
  readonly resolve = (value: PsValue | undefined): PsValue | undefined => {
    if (value !== null && value !== undefined && typeof value === 'object' && value.k === 'ref') {
      return this.objects.get(value.num);
    }
    return value;
  };

  handles(name: string, ps: PsInterpreter): boolean {
    if (this.inContent) return this.contentOperator(name, ps);
    switch (name) {
      case 'obj': {
        const [num] = ps.popMany(2);
        this.currentObject = asNumber(num);
        return true;
      }
      case 'endobj':
        this.endObject(ps.pop());
        return true;
      case 'R': {
        const [num] = ps.popMany(2);
        const objectNumber = asNumber(num);
        ps.push(objectNumber === null ? null : { k: 'ref', num: objectNumber });
        return true;
      }
      case 'stream':
        this.startStream(ps);
        return true;
      case 'endstream':
        return true;
      default:
        return false;
    }
  }

  /** The colour space a `cs` operand or image ColorSpace names: a device family or a page resource. */
  space(value: PsValue | undefined): ColourSpace {
    const name = value !== undefined && isName(value) ? value.v : null;
    if (name !== null)
      return spaceForName(name) ?? spaceFromValue(this.resource('ColorSpace', value ?? null), this.resolve);
    return spaceFromValue(value, this.resolve);
  }

  /** The page resource `category`/`name` (`/ColorSpace /R13`), followed through references. */
  resource(category: string, name: PsValue): PsValue | undefined {
    const key = keyOf(name);
    if (key === null) return undefined;
    return this.resolve(dictGet(this.resolve(this.resourceDict(category)), key));
  }

  private resourceDict(category: string): PsValue | undefined {
    return dictGet(this.resolve(this.resources), category);
  }

  xObjectClass(ps: PsInterpreter, name: PsValue): ColourClass {
    const xobject = this.resource('XObject', name);
    if (xobject === undefined || !isImage(xobject)) return 'unknown';
    if (dictGet(xobject, 'ImageMask') === true) return ps.graphics.fill.cls;
    const cls = imageClass(this.space(dictGet(xobject, 'ColorSpace')));
    const key = keyOf(name);
    const reference = key === null ? undefined : dictGet(this.resolve(this.resourceDict('XObject')), key);
    const grey =
      typeof reference === 'object' && reference?.k === 'ref' && this.greyImages.has(reference.num);
    return cls === 'color' && grey ? 'gray' : cls;
  }

  /**
   * The test of an image's pixels, for a dictionary `entry` reads (full or inline keys), or null when its colour
   * space decides: it is not colour by its space, it is a mask, or its data cannot be decoded here (DecodeParms).
   */
  private imageTest(entry: ImageEntry): PixelTest | null {
    if (entry('ImageMask', 'IM') === true || entry('DecodeParms', 'DP') !== undefined) return null;
    const space = this.space(entry('ColorSpace', 'CS'));
    if (imageClass(space) !== 'color') return null;
    const filter = this.resolve(entry('Filter', 'F'));
    const names = (filter === undefined ? [] : isArray(filter) ? filter.items : [filter]).map((f) =>
      keyOf(f),
    );
    if (names.some((name) => name === null)) return null;
    const layout = {
      space,
      width: asNumber(this.resolve(entry('Width', 'W'))),
      height: asNumber(this.resolve(entry('Height', 'H'))),
      bitsPerComponent: asNumber(this.resolve(entry('BitsPerComponent', 'BPC')) ?? 8),
      decode: numberArray(this.resolve(entry('Decode', 'D'))),
    };
    return pixelTest(layout, names as string[]);
  }

  /**
   * `BI ... ID`: the image dictionary is on the stack above the mark; the data is skipped up to `EI`. An image
   * that is colour by its space but may be grey by its pixels paints at its `EI`, once they have been seen.
   */
  inlineImage(ps: PsInterpreter): void {
    const entries: PsValue[] = [];
    while (ps.stack.length > 0 && !isMark(ps.stack[ps.stack.length - 1])) entries.unshift(ps.pop());
    ps.pop();
    const map = new Map<string, PsValue>();
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const key = keyOf(entries[i]);
      if (key !== null) map.set(key, entries[i + 1]);
    }
    const mask = map.get('IM') === true || map.get('ImageMask') === true;
    const cls = mask ? ps.graphics.fill.cls : imageClass(this.space(map.get('CS') ?? map.get('ColorSpace')));
    const test = ps.speculative ? null : this.imageTest((full, short) => map.get(short) ?? map.get(full));
    ps.data.skipInlineImage();
    if (test === null) paintWith(ps, cls);
    else ps.data.collectSkipped(collectorFor(test, ps.pages.deferPaint()));
  }

  private contentOperator(name: string, ps: PsInterpreter): boolean {
    if (PASS_THROUGH.has(name)) return false;
    if (name === 'endstream') {
      this.inContent = false;
      ps.data.keepStringContent(true);
      ps.stack.length = 0;
      return true;
    }
    const op = CONTENT_OPS[name];
    if (op) op(this, ps);
    // PDF operators take all their operands; inside BI ... ID the operands are the image dictionary.
    if (name !== 'BI' && !this.insideInlineDictionary(ps)) ps.stack.length = 0;
    return true;
  }

  private insideInlineDictionary(ps: PsInterpreter): boolean {
    return ps.stack.some((value) => isMark(value));
  }

  private endObject(value: PsValue): void {
    const num = this.currentObject;
    this.currentObject = null;
    if (num === null || value === null || typeof value !== 'object') return;
    if (!isDict(value) && !isArray(value)) return;
    const type = isDict(value) ? keyOf(value.map.get('Type') ?? null) : null;
    if (type === 'Page' && isDict(value)) this.startPage(value.map);
    if (type !== null && UNNEEDED_TYPES.has(type)) return;
    if (this.objects.size < this.maxObjects) this.objects.set(num, value);
    else this.pages.notice('too many PDF objects to keep in memory; colour of later resources is unknown');
  }

  private startPage(page: Map<string, PsValue>): void {
    const box = numberArray(this.resolve(page.get('MediaBox')));
    if (box && box.length >= 4 && box.every((n) => n !== null)) {
      const [x0, y0, x1, y1] = box as number[];
      if (Math.abs(x1 - x0) > 0 && Math.abs(y1 - y0) > 0) {
        this.pages.setPaper(mediaNameForPoints(Math.abs(x1 - x0), Math.abs(y1 - y0)));
      }
    }
    this.resources = page.get('Resources');
    const contents = this.resolve(page.get('Contents'));
    const refs =
      contents !== undefined && isArray(contents) ? contents.items : [page.get('Contents') ?? null];
    this.contents = new Set(
      refs.flatMap((ref) => (ref !== null && typeof ref === 'object' && ref.k === 'ref' ? [ref.num] : [])),
    );
  }

  /**
   * `stream`: a page's content stream is scanned; any other stream is skipped (its dictionary stays for endobj).
   * Content written compressed (ps2write `-dCompressPages=true`) is skipped too, and the page's colour is unknown.
   */
  private startStream(ps: PsInterpreter): void {
    const isContent = this.currentObject !== null && this.contents.has(this.currentObject);
    if (isContent && dictGet(ps.stack[ps.stack.length - 1] ?? null, 'Filter') !== undefined) {
      ps.pop();
      paintWith(ps, 'unknown');
      this.pages.notice('page content is compressed (ps2write -dCompressPages): its colour is unknown');
    } else if (isContent) {
      ps.pop();
      this.inContent = true;
      ps.data.keepStringContent(false);
      ps.graphics = initialGraphics();
      return;
    }
    this.skipStream(ps);
  }

  /** Skips a stream that is not page content; an image XObject's pixels are looked at on the way. */
  private skipStream(ps: PsInterpreter): void {
    const dict = ps.stack[ps.stack.length - 1] ?? null;
    const num = this.currentObject;
    const test = num !== null && isImage(dict) ? this.imageTest((full) => dictGet(dict, full)) : null;
    ps.data.skipUntil('endstream');
    if (test === null) return;
    const remember = (cls: ColourClass) => {
      if (cls === 'gray' && this.greyImages.size < this.maxObjects) this.greyImages.add(num as number);
    };
    ps.data.collectSkipped(collectorFor(test, remember));
  }
}
