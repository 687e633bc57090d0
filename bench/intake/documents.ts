/**
 * Test documents for intake benchmarks: a valid one-page PDF padded with real text to a target size (the anchor
 * used a 111,414-byte PDF), and a stream of a given length for single-job throughput.
 */
import { Readable } from 'node:stream';

/** A valid PDF of about `targetBytes` bytes: one A4 page of text lines, with a correct xref table. */
export function makePdf(targetBytes: number): Buffer {
  const lines: string[] = ['BT /F1 9 Tf 40 800 Td 11 TL'];
  let size = 0;
  for (let i = 0; size < targetBytes - 600; i += 1) {
    const line = `(Quire intake benchmark line ${i} - the quick brown fox jumps over the lazy dog) '`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('ET');
  const content = lines.join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(Buffer.byteLength(pdf));
    pdf += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf);
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** A Readable of exactly `bytes` bytes in 1 MiB chunks of one repeated buffer (no memory growth). */
export function sizedStream(bytes: number, prefix: Buffer = Buffer.alloc(0)): Readable {
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  let remaining = bytes;
  let sentPrefix = false;
  return new Readable({
    read() {
      if (!sentPrefix) {
        sentPrefix = true;
        if (prefix.length > 0) {
          this.push(prefix);
          return;
        }
      }
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk.length, remaining);
      remaining -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}
