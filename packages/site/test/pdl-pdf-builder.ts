/**
 * Writes small PDFs by hand for the PDF reader's tests: the structures real producers write (classic xref tables,
 * xref streams with PNG-Up predicted rows, object streams, incremental updates) and the damage real files carry
 * (wrong offsets, a missing startxref), byte for byte under the test's control. Objects are given as PDF source
 * text; streams are Flate-compressed unless told otherwise.
 */
import { writeFileSync } from 'node:fs';
import zlib from 'node:zlib';

/** An object to write: its number and its body (the text between `obj` and `endobj`). */
export interface PdfObjectSource {
  num: number;
  body: Buffer;
}

/** How to lay out the cross-reference data. */
export interface BuildOptions {
  /** `table` (classic, the default) or `stream` (an xref stream, PDF 1.5). */
  xref?: 'table' | 'stream';
  /** Pack non-stream objects into one object stream (needs `xref: 'stream'`). */
  objectStreams?: boolean;
  /** Extra trailer entries, as PDF source (`/Encrypt 9 0 R`). */
  trailerExtra?: string;
  /** Bytes before `%PDF-` (junk some producers emit). */
  prefix?: string;
}

/** A stream object body: the dictionary entries (without `/Length`/`/Filter`) and the data. */
export function streamBody(
  dictEntries: string,
  data: Buffer | string,
  options: { raw?: boolean; filter?: string } = {},
): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const encoded = options.raw ? bytes : zlib.deflateSync(bytes);
  const filter = options.raw ? (options.filter ? `/Filter /${options.filter}` : '') : '/Filter /FlateDecode';
  return Buffer.concat([
    Buffer.from(`<< ${dictEntries} ${filter} /Length ${encoded.length} >>\nstream\n`, 'latin1'),
    encoded,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

function objectBytes(object: PdfObjectSource): Buffer {
  return Buffer.concat([
    Buffer.from(`${object.num} 0 obj\n`, 'latin1'),
    object.body,
    Buffer.from('\nendobj\n', 'latin1'),
  ]);
}

/** Xref stream rows `[type, field2 (4 bytes), field3 (2 bytes)]`, PNG-Up predicted (`/Predictor 12`). */
function xrefStreamData(rows: [number, number, number][]): Buffer {
  const width = 7;
  const out = Buffer.alloc(rows.length * (width + 1));
  let previous = Buffer.alloc(width);
  rows.forEach(([type, second, third], index) => {
    const row = Buffer.alloc(width);
    row.writeUInt8(type, 0);
    row.writeUInt32BE(second, 1);
    row.writeUInt16BE(third, 5);
    const at = index * (width + 1);
    out[at] = 2;
    for (let i = 0; i < width; i += 1) out[at + 1 + i] = (row[i] - previous[i]) & 0xff;
    previous = row;
  });
  return out;
}

/** Builds a PDF (or an update section appended to `base`) from objects. */
export class PdfBuilder {
  private readonly objects: PdfObjectSource[] = [];

  /** Adds object `num` with a body given as PDF source or bytes. */
  add(num: number, body: string | Buffer): this {
    this.objects.push({ num, body: typeof body === 'string' ? Buffer.from(body, 'latin1') : body });
    return this;
  }

  /** The whole file: header, objects, cross-reference data and trailer. */
  build(rootNum: number, options: BuildOptions = {}): Buffer {
    const head = Buffer.from(`${options.prefix ?? ''}%PDF-1.7\n%\xe2\xe3\xcf\xd3\n`, 'latin1');
    return this.section(head, rootNum, options, undefined);
  }

  /** An incremental update: `base` followed by these objects, a new xref section and a trailer with `/Prev`. */
  appendTo(base: Buffer, rootNum: number, options: BuildOptions = {}): Buffer {
    const text = base.toString('latin1');
    const at = text.lastIndexOf('startxref');
    const prev = Number(/startxref\s+(\d+)/.exec(text.slice(at))?.[1]);
    return this.section(base, rootNum, options, prev);
  }

  private section(head: Buffer, rootNum: number, options: BuildOptions, prev: number | undefined): Buffer {
    const parts: Buffer[] = [head];
    let offset = head.length;
    const entries = new Map<number, [number, number, number]>();
    const direct = options.objectStreams
      ? this.objects.filter((o) => o.body.includes('stream\n'))
      : this.objects;
    const packed = options.objectStreams ? this.objects.filter((o) => !o.body.includes('stream\n')) : [];
    for (const object of direct) {
      entries.set(object.num, [1, offset, 0]);
      const bytes = objectBytes(object);
      parts.push(bytes);
      offset += bytes.length;
    }
    let size = Math.max(0, ...this.objects.map((o) => o.num)) + 1;
    if (packed.length > 0) {
      const streamNum = size++;
      let header = '';
      let bodies = '';
      packed.forEach((object, index) => {
        header += `${object.num} ${bodies.length} `;
        bodies += `${object.body.toString('latin1')}\n`;
        entries.set(object.num, [2, streamNum, index]);
      });
      const body = streamBody(`/Type /ObjStm /N ${packed.length} /First ${header.length}`, header + bodies);
      entries.set(streamNum, [1, offset, 0]);
      const bytes = objectBytes({ num: streamNum, body });
      parts.push(bytes);
      offset += bytes.length;
    }
    const prevEntry = prev === undefined ? '' : ` /Prev ${prev}`;
    const trailerEntries = `/Size ${size + 1} /Root ${rootNum} 0 R${prevEntry} ${options.trailerExtra ?? ''}`;
    parts.push(
      options.xref === 'stream'
        ? this.xrefStream(entries, size, offset, trailerEntries)
        : this.xrefTable(entries, size, trailerEntries),
    );
    parts.push(Buffer.from(`startxref\n${offset}\n%%EOF\n`, 'latin1'));
    return Buffer.concat(parts);
  }

  private xrefTable(entries: Map<number, [number, number, number]>, size: number, trailer: string): Buffer {
    let text = 'xref\n';
    // One subsection per object keeps update sections valid (they list only the objects they change).
    if (!entries.has(0)) text += '0 1\n0000000000 65535 f\r\n';
    for (const [num, [, offset]] of [...entries].sort((a, b) => a[0] - b[0])) {
      text += `${num} 1\n${String(offset).padStart(10, '0')} 00000 n\r\n`;
    }
    return Buffer.from(
      `${text}trailer\n<< ${trailer.replace(`/Size ${size + 1}`, `/Size ${size}`)} >>\n`,
      'latin1',
    );
  }

  private xrefStream(
    entries: Map<number, [number, number, number]>,
    size: number,
    offset: number,
    trailer: string,
  ): Buffer {
    const xrefNum = size;
    entries.set(xrefNum, [1, offset, 0]);
    const numbers = [...entries.keys()].sort((a, b) => a - b);
    const rows = numbers.map((num) => entries.get(num) as [number, number, number]);
    const index = numbers.map((num) => `${num} 1`).join(' ');
    const body = streamBody(
      `/Type /XRef /W [1 4 2] /Index [${index}] /DecodeParms << /Predictor 12 /Columns 7 >> ${trailer}`,
      xrefStreamData(rows),
    );
    return objectBytes({ num: xrefNum, body });
  }
}

/** A minimal page tree: catalog 1, pages 2, pages from 10 on (page i: object 10+2i, content 11+2i). */
export function simpleDocument(contents: string[], pageExtra = '/MediaBox [0 0 595 842]'): PdfBuilder {
  const builder = new PdfBuilder();
  const kids = contents.map((_, i) => `${10 + 2 * i} 0 R`).join(' ');
  builder.add(1, '<< /Type /Catalog /Pages 2 0 R >>');
  builder.add(2, `<< /Type /Pages /Kids [${kids}] /Count ${contents.length} >>`);
  contents.forEach((content, i) => {
    builder.add(10 + 2 * i, `<< /Type /Page /Parent 2 0 R ${pageExtra} /Contents ${11 + 2 * i} 0 R >>`);
    builder.add(11 + 2 * i, streamBody('', content));
  });
  return builder;
}

/** Writes `bytes` to `path` and returns the analyser source for it. */
export function writePdf(
  path: string,
  bytes: Buffer,
  offset = 0,
): { path: string; offset: number; length: number } {
  writeFileSync(path, bytes);
  return { path, offset, length: bytes.length - offset };
}
