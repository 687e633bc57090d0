/**
 * A PDF document opened for random access: it resolves indirect references through the cross-reference table,
 * unpacks object streams, and decodes stream data within the budget. It opens from `startxref` and, when that
 * fails or an offset later turns out wrong, rebuilds the table once by scanning the file (pdf.js and MuPDF do the
 * same), so a damaged file still yields its pages. Parsed objects and unpacked object streams are cached with
 * fixed bounds, because the page tree and shared resources are looked up again and again.
 */
import { type PdfBudget, PdfFormatError, type PdfWarnings } from './pdf-budget';
import type { PdfFile } from './pdf-file';
import type { DecodedData } from './pdf-filters';
import { asCount, asDict, PdfDict, type PdfObject, PdfRef, PdfStream } from './pdf-objects';
import { parseIndirectAt, parseValueAt } from './pdf-parser';
import { scanForObjects } from './pdf-recover';
import { filterSteps, locateStream, readAndDecode, type StreamExtent } from './pdf-stream';
import { findHeader, findStartxref, readXref } from './pdf-xref';
import { XrefKind, XrefTable } from './pdf-xref-table';

const OBJECT_STREAM_CACHE = 8;
const MAX_REFERENCE_HOPS = 32;

interface ObjectStream {
  data: Buffer;
  first: number;
  numbers: number[];
  offsets: number[];
}

/** Random access to the objects of one PDF. */
export class PdfDocument {
  private readonly objects = new Map<number, PdfObject>();
  private readonly objectStreams = new Map<number, ObjectStream | null>();
  private readonly unpacking = new Set<number>();
  private objectStreamBytes = 0;
  private recovered = false;
  private recovering: Promise<void> | undefined;
  /** True while recover() unpacks the object streams it found: its own lookups must not wait for it. */
  private applyingScan = false;

  private constructor(
    readonly file: PdfFile,
    private table: XrefTable,
    /** The trailer of the current revision (or a recovered substitute). */
    public trailer: PdfDict,
    /** Bytes of junk before `%PDF-`: some writers count offsets from the file start, some from the header. */
    private readonly shift: number,
    readonly budget: PdfBudget,
    readonly warnings: PdfWarnings,
  ) {}

  /** Opens the document: reads the xref chain, or scans the file when that fails. */
  static async open(file: PdfFile, budget: PdfBudget, warnings: PdfWarnings): Promise<PdfDocument> {
    const header = await findHeader(file);
    if (header < 0) warnings.add('The PDF has no %PDF- header in its first KB.');
    const shift = Math.max(0, header);
    const startxref = await findStartxref(file);
    if (startxref !== undefined) {
      try {
        const xref = await readXref(file, startxref, shift, budget, warnings);
        if (xref.trailer.get('Root') instanceof PdfRef) {
          return new PdfDocument(file, xref.table, xref.trailer, shift, budget, warnings);
        }
        warnings.add('The PDF trailer names no document catalog; the file was scanned for its objects.');
      } catch (err) {
        if (!(err instanceof PdfFormatError)) throw err;
        warnings.add(
          `The PDF cross-reference data is damaged (${err.message}); the file was scanned for its objects.`,
        );
      }
    } else {
      warnings.add('The PDF has no startxref (truncated?); the file was scanned for its objects.');
    }
    const doc = new PdfDocument(file, new XrefTable(), new PdfDict(), 0, budget, warnings);
    await doc.adoptScan();
    return doc;
  }

  /** True when the document is encrypted: its structure is readable, its strings and streams are not. */
  get encrypted(): boolean {
    return this.trailer.has('Encrypt');
  }

  /**
   * Rebuilds the table by scanning the file, unless that was done already: for a structural object (the catalog,
   * a page-tree node) that the xref data does not list. A dangling reference elsewhere (an `/Info`, a font) is not
   * worth a scan of a large file, so only the page tree calls this. False when there is nothing more to try.
   */
  async recoverOnce(): Promise<boolean> {
    if (this.recovered && !this.recovering) return false;
    await (this.recovering ??= this.recover());
    return true;
  }

  /** Object numbers the table defines, ascending (for the last-resort search for pages). */
  objectNumbers(): Generator<number> {
    return this.table.numbers();
  }

  /** The object numbered `num`, or null when the document does not define it (or defines it unreadably). */
  async getObject(num: number): Promise<PdfObject> {
    const cached = this.objects.get(num);
    if (cached !== undefined) return cached;
    this.budget.tick();
    let value = await this.load(num);
    if (value === undefined && (!this.recovered || this.recovering) && !this.applyingScan) {
      // Concurrent lookups that fail together share one scan.
      await (this.recovering ??= this.recover());
      value = await this.load(num);
    }
    if (value === undefined) {
      this.warnings.add(`PDF object ${num} could not be read; it was treated as null.`);
      value = null;
    }
    this.remember(num, value);
    return value;
  }

  /** Follows indirect references until a direct value (null for a dangling or looping reference). */
  async resolve(value: PdfObject | undefined): Promise<PdfObject> {
    let current: PdfObject | undefined = value;
    for (let hops = 0; current instanceof PdfRef; hops += 1) {
      if (hops >= MAX_REFERENCE_HOPS) return null;
      current = await this.getObject(current.num);
    }
    return current ?? null;
  }

  /** The value resolved to a dictionary (a stream's dictionary counts), or undefined. */
  async resolveDict(value: PdfObject | undefined): Promise<PdfDict | undefined> {
    return asDict(await this.resolve(value));
  }

  /** Where a stream's encoded data is, with `/Length` resolved and checked. */
  async streamExtent(stream: PdfStream): Promise<StreamExtent> {
    const declared = asCount(await this.resolve(stream.dict.get('Length')));
    const extent = await locateStream(this.file, stream.dataOffset, declared, this.budget.streamBytes);
    if (extent.repaired)
      this.warnings.add('A PDF stream has a wrong /Length; its end was found by searching.');
    return extent;
  }

  /** The `/Filter` chain of a stream, with indirect names and parameters resolved. */
  async filterChain(dict: PdfDict): Promise<ReturnType<typeof filterSteps>> {
    const filter = await this.resolve(dict.get('Filter'));
    const parms = await this.resolve(dict.get('DecodeParms'));
    const list = Array.isArray(parms) ? await Promise.all(parms.map((p) => this.resolve(p))) : parms;
    const names = Array.isArray(filter) ? await Promise.all(filter.map((f) => this.resolve(f))) : filter;
    return filterSteps(names, list);
  }

  /** A stream's decoded bytes, at most `cap` of them. */
  async streamData(stream: PdfStream, cap = this.budget.streamBytes): Promise<DecodedData> {
    const extent = await this.streamExtent(stream);
    return readAndDecode(this.file, extent, await this.filterChain(stream.dict), cap);
  }

  private remember(num: number, value: PdfObject): void {
    if (this.objects.size >= this.budget.objectCacheEntries) {
      const oldest = this.objects.keys().next().value;
      if (oldest !== undefined) this.objects.delete(oldest);
    }
    this.objects.set(num, value);
  }

  /** Reads object `num` from where the table says; undefined when it is not there. */
  private async load(num: number): Promise<PdfObject | undefined> {
    const kind = this.table.kind(num);
    if (kind === XrefKind.Missing) return null;
    if (kind === XrefKind.Compressed)
      return this.loadCompressed(num, this.table.location(num), this.table.slot(num));
    const offset = this.table.location(num);
    const candidates = this.shift > 0 && !this.recovered ? [offset + this.shift, offset] : [offset];
    for (const position of candidates) {
      try {
        const found = await parseIndirectAt(this.file, position);
        if (found.num === num) return found.value;
      } catch (err) {
        if (!(err instanceof PdfFormatError)) throw err;
      }
    }
    return undefined;
  }

  private async loadCompressed(
    num: number,
    streamNumber: number,
    index: number,
  ): Promise<PdfObject | undefined> {
    const stream = await this.objectStream(streamNumber);
    if (!stream) return undefined;
    let slot = stream.numbers[index] === num ? index : stream.numbers.indexOf(num);
    if (slot < 0) return undefined;
    if (stream.numbers.lastIndexOf(num) !== slot) slot = stream.numbers.lastIndexOf(num);
    try {
      return parseValueAt(stream.data, stream.first + stream.offsets[slot]).value;
    } catch (err) {
      if (!(err instanceof PdfFormatError)) throw err;
      return undefined;
    }
  }

  private async objectStream(streamNumber: number): Promise<ObjectStream | null> {
    if (this.objectStreams.has(streamNumber)) return this.objectStreams.get(streamNumber) ?? null;
    // An object stream whose own entry says it is compressed (in itself, or in another) is a loop.
    if (this.unpacking.has(streamNumber)) return null;
    this.unpacking.add(streamNumber);
    try {
      const unpacked = await this.unpack(streamNumber);
      this.cacheObjectStream(streamNumber, unpacked);
      return unpacked;
    } finally {
      this.unpacking.delete(streamNumber);
    }
  }

  /** Keeps unpacked object streams within a count and, together, within one stream's byte budget. */
  private cacheObjectStream(streamNumber: number, unpacked: ObjectStream | null): void {
    const bytes = unpacked?.data.length ?? 0;
    while (
      this.objectStreams.size > 0 &&
      (this.objectStreams.size >= OBJECT_STREAM_CACHE ||
        this.objectStreamBytes + bytes > this.budget.streamBytes)
    ) {
      const oldest = this.objectStreams.keys().next().value as number;
      this.objectStreamBytes -= this.objectStreams.get(oldest)?.data.length ?? 0;
      this.objectStreams.delete(oldest);
    }
    this.objectStreams.set(streamNumber, unpacked);
    this.objectStreamBytes += bytes;
  }

  private async unpack(streamNumber: number): Promise<ObjectStream | null> {
    const value = await this.getObject(streamNumber);
    if (!(value instanceof PdfStream)) return null;
    const count = asCount(await this.resolve(value.dict.get('N'))) ?? 0;
    const first = asCount(await this.resolve(value.dict.get('First'))) ?? 0;
    const decoded = await this.streamData(value);
    if (decoded.unsupported !== null || decoded.damaged) {
      this.warnings.add(
        `A PDF object stream could not be decoded${this.encrypted ? ' (the document is encrypted)' : ''}.`,
      );
      if (decoded.data.length === 0) return null;
    }
    const numbers: number[] = [];
    const offsets: number[] = [];
    let pos = 0;
    for (let i = 0; i < count && pos < first; i += 1) {
      const objectNumber = parseValueAt(decoded.data, pos);
      const offset = parseValueAt(decoded.data, objectNumber.end);
      const n = asCount(objectNumber.value);
      const o = asCount(offset.value);
      if (n === undefined || o === undefined) break;
      numbers.push(n);
      offsets.push(o);
      pos = offset.end;
    }
    return { data: decoded.data, first, numbers, offsets };
  }

  /** Replaces the table by a scan of the file, once; called when an offset from the xref data was wrong. */
  private async recover(): Promise<void> {
    this.recovered = true;
    this.warnings.add(
      'The PDF cross-reference data does not match the file; the file was scanned for its objects.',
    );
    const scan = await scanForObjects(this.file, this.budget, this.warnings);
    this.table = scan.table;
    this.objects.clear();
    this.objectStreams.clear();
    this.objectStreamBytes = 0;
    this.applyingScan = true;
    try {
      await this.addObjectStreams(scan.objectStreams);
    } finally {
      this.applyingScan = false;
    }
    const root = this.trailer.get('Root');
    const rootListed = root instanceof PdfRef && this.table.kind(root.num) !== XrefKind.Missing;
    if (scan.trailer && !rootListed) {
      // The scan's trailer names the catalog; the old one may still carry /Encrypt or /ID.
      for (const [key, value] of this.trailer.entries)
        if (!scan.trailer.has(key)) scan.trailer.entries.set(key, value);
      this.trailer = scan.trailer;
    }
    this.recovering = undefined;
  }

  private async adoptScan(): Promise<void> {
    this.recovered = true;
    const scan = await scanForObjects(this.file, this.budget, this.warnings);
    this.table = scan.table;
    this.trailer = scan.trailer ?? new PdfDict();
    await this.addObjectStreams(scan.objectStreams);
  }

  /** Objects found only inside object streams get entries; objects defined directly in the file keep theirs. */
  private async addObjectStreams(streamNumbers: number[]): Promise<void> {
    for (const streamNumber of streamNumbers) {
      this.budget.checkNow();
      const stream = await this.objectStream(streamNumber).catch((err: unknown) => {
        if (err instanceof PdfFormatError) return null;
        throw err;
      });
      stream?.numbers.forEach((num, index) =>
        this.table.setIfAbsent(num, XrefKind.Compressed, streamNumber, index),
      );
    }
  }
}
