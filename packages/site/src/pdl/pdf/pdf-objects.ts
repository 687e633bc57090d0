/**
 * The PDF object model (ISO 32000-1 §7.3) as the reader holds it. Names are plain JS strings (they are compared
 * all the time: `/Type /Page`); string objects are {@link PdfString} so the two never mix up. Streams keep only
 * their dictionary and where their data starts in the file: the data is read, decoded and dropped on demand, so
 * holding a stream object costs a few bytes however large the stream is.
 */

/** An indirect reference `num gen R`. */
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}

  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

/** A string object; only its (bounded) bytes are kept, they matter for Indexed colour lookup tables. */
export class PdfString {
  constructor(readonly bytes: Buffer) {}
}

/** A dictionary: name keys to values. */
export class PdfDict {
  readonly entries = new Map<string, PdfObject>();

  /** The value under `key`, or undefined (a missing key and `null` mean the same in PDF). */
  get(key: string): PdfObject | undefined {
    return this.entries.get(key);
  }

  /** True when the dictionary has `key`. */
  has(key: string): boolean {
    return this.entries.has(key);
  }
}

/** A stream: its dictionary and the file position of its first data byte. */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** Position of the first data byte, relative to the start of the PDF data. */
    readonly dataOffset: number,
    /** The object number the stream was read as, for caching results per stream (0 when unknown). */
    readonly objectNumber: number,
  ) {}
}

/** Any PDF value. Names are strings; `null` is the null object. */
export type PdfObject =
  null | boolean | number | string | PdfString | PdfRef | PdfObject[] | PdfDict | PdfStream;

/** The value as a number, or undefined. */
export function asNumber(value: PdfObject | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The value as a non-negative integer, or undefined. */
export function asCount(value: PdfObject | undefined): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The value as a name, or undefined. */
export function asName(value: PdfObject | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value as a dictionary (a stream's dictionary counts), or undefined. */
export function asDict(value: PdfObject | undefined): PdfDict | undefined {
  if (value instanceof PdfDict) return value;
  if (value instanceof PdfStream) return value.dict;
  return undefined;
}

/** The value as an array, or undefined. */
export function asArray(value: PdfObject | undefined): PdfObject[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** `/Type` of a dictionary, or undefined when it has none. */
export function dictType(dict: PdfDict): string | undefined {
  return asName(dict.get('Type'));
}
