/**
 * Unit tests of the PDF reader's positional reads: from the file (through its block cache) and from the bytes
 * the job analysis already holds, every read gives the same bytes, relative to the PDF's start after a PJL
 * header, and clipped at the end of the data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PdfFile } from './pdf-file';

describe('PdfFile', () => {
  let dir: string;
  let file: string;
  const header = Buffer.from('\x1b%-12345X@PJL ENTER LANGUAGE=PDF\r\n', 'latin1');
  const pdf = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 9)) & 0xff));
  const whole = Buffer.concat([header, pdf]);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdf-file-'));
    file = path.join(dir, 'job.prn');
    writeFileSync(file, whole);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the same bytes from disk and from memory, clipped at the end of the data', async () => {
    const source = { path: file, offset: header.length, length: pdf.length };
    const disk = await PdfFile.open(source, 256 * 1024);
    const memory = await PdfFile.open({ ...source, bytes: whole }, 256 * 1024);
    try {
      expect(disk.length).to.equal(pdf.length);
      expect(memory.length).to.equal(pdf.length);
      const reads: [number, number][] = [
        [0, 10],
        [65_530, 20],
        [100_000, 300_000],
        [299_990, 100],
        [300_000, 10],
        [-5, 10],
      ];
      for (const [position, length] of reads) {
        const from = Math.max(0, Math.min(position, pdf.length));
        const expected = pdf.subarray(from, Math.max(from, Math.min(position + length, pdf.length)));
        expect((await disk.read(position, length)).equals(expected), `disk ${position}`).to.equal(true);
        expect((await memory.read(position, length)).equals(expected), `memory ${position}`).to.equal(true);
        if (position >= 0) {
          const direct = await memory.readDirect(position, length);
          expect(direct.equals(expected), `direct ${position}`).to.equal(true);
        }
      }
    } finally {
      await disk.close();
      await memory.close();
    }
  });
});
