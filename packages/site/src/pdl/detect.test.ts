/**
 * Unit tests of language detection by content (signatures, PJL ENTER LANGUAGE, PCL 5 escapes, junk before
 * the data) and of the search for UEL-separated jobs in a spool file (real files in a temp directory, read in
 * small chunks so that a UEL straddles two of them, and the same bytes held in memory).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { detectPdl, findUelSegments } from './detect';

const UEL = '\x1b%-12345X';

function detect(text: string | Buffer) {
  return detectPdl(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
}

describe('detectPdl', () => {
  it('recognises each language by its signature', () => {
    const cases: [string | Buffer, string, number?][] = [
      ['%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'pdf'],
      ['%!PS-Adobe-3.0\n%%Pages: 1\n', 'postscript'],
      ['\x04%!PS-Adobe-3.0\n', 'postscript', 1],
      [') HP-PCL XL;2;0;Comment\n', 'pcl-xl'],
      ['( HP-PCL XL;2;0\n', 'pcl-xl'],
      ["' HP-PCL XL;2;0\n", 'pcl-xl'],
      [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]), 'jpeg'],
      ['RaS2PwgRaster\0', 'pwg-raster'],
      ['UNIRAST\0\0\0\0\x01', 'urf'],
      ['\x1bE\x1b&l0O', 'pcl5'],
      ['\x1b&l26A\x1b*r1A', 'pcl5'],
      ['\x1b*p0x0Y', 'pcl5'],
      ['\x1b(s0p12h10v0s0b3T', 'pcl5'],
      ['\x1b%1BIN;', 'pcl5'],
    ];
    for (const [head, pdl, dataOffset = 0] of cases) {
      expect(detect(head), JSON.stringify(head.toString())).to.deep.equal({
        pdl,
        pjlLanguage: null,
        dataOffset,
      });
    }
  });

  it('skips a PJL header and reports its language and where the data starts', () => {
    const header = `${UEL}@PJL JOB NAME="x"\r\n@PJL SET COPIES=2\r\n@PJL ENTER LANGUAGE=PCLXL\r\n`;
    expect(detect(`${header}) HP-PCL XL;3;0\n`)).to.deep.equal({
      pdl: 'pcl-xl',
      pjlLanguage: 'PCLXL',
      dataOffset: header.length,
    });
    const ps = `${UEL}@PJL ENTER LANGUAGE = POSTSCRIPT\n`;
    expect(detect(`${ps}\r\n\x04%!PS\n`)).to.deep.equal({
      pdl: 'postscript',
      pjlLanguage: 'POSTSCRIPT',
      dataOffset: ps.length + 3,
    });
    expect(detect(`${UEL}%PDF-1.4\n`)).to.deep.equal({
      pdl: 'pdf',
      pjlLanguage: null,
      dataOffset: UEL.length,
    });
  });

  it('trusts the content over PJL, and PJL over nothing', () => {
    const pcl = `${UEL}@PJL ENTER LANGUAGE=PCL\n`;
    expect(detect(`${pcl}) HP-PCL XL;2;0\n`).pdl).to.equal('pcl-xl');
    expect(detect(`${pcl}plain text report`)).to.deep.equal({
      pdl: 'pcl5',
      pjlLanguage: 'PCL',
      dataOffset: pcl.length,
    });
    expect(detect(`${UEL}@PJL ENTER LANGUAGE=PCL6\n\x00\x01`).pdl).to.equal('pcl-xl');
    expect(detect(`${UEL}@PJL ENTER LANGUAGE=ESCP\n\x1b@`)).to.deep.equal({
      pdl: 'unknown',
      pjlLanguage: 'ESCP',
      dataOffset: UEL.length + 25,
    });
  });

  it('finds a PDF header after junk, within the first kilobyte only', () => {
    expect(detect('garbage line\r\n%PDF-1.5\n')).to.deep.equal({
      pdl: 'pdf',
      pjlLanguage: null,
      dataOffset: 14,
    });
    expect(detect(`${'x'.repeat(2000)}%PDF-1.5\n`).pdl).to.equal('unknown');
  });

  it('calls anything else unknown, and never throws', () => {
    expect(detect('Hello, printer').pdl).to.equal('unknown');
    expect(detect('').pdl).to.equal('unknown');
    expect(detect('\x1b').pdl).to.equal('unknown');
    for (let i = 0; i < 1000; i += 1) {
      const result = detectPdl(randomBytes(i % 200));
      expect(result.dataOffset).to.be.within(0, 200);
    }
  });
});

describe('findUelSegments', () => {
  let dir: string;
  let counter = 0;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quire-detect-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function segments(content: string, options: { offset?: number; maxBufferBytes?: number } = {}) {
    const path = join(dir, `spool-${(counter += 1)}.prn`);
    writeFileSync(path, Buffer.from(content, 'latin1'));
    const offset = options.offset ?? 0;
    const source = { path, offset, length: Buffer.byteLength(content, 'latin1') - offset };
    const limits = { deadline: Date.now() + 10000, maxBufferBytes: options.maxBufferBytes ?? 1 << 20 };
    const found = await findUelSegments(source, limits);
    // The same file held in memory (as the job analysis holds a small one) splits the same way.
    const held = await findUelSegments({ ...source, bytes: Buffer.from(content, 'latin1') }, limits);
    expect(held).to.deep.equal(found);
    return {
      ...found,
      parts: found.segments.map((s) => [s.pdl, content.slice(s.offset, s.offset + s.length)]),
    };
  }

  it('splits a banner page in PCL and a PostScript document, dropping the trailing EOJ', async () => {
    const pcl = '\x1bE\x1b&l26ABanner\x0c\x1bE';
    const ps = '%!PS-Adobe-3.0\nshowpage\n';
    const job =
      `${UEL}@PJL JOB NAME="a"\n@PJL ENTER LANGUAGE=PCL\n${pcl}` +
      `${UEL}@PJL SET USERNAME=bob\n@PJL ENTER LANGUAGE=POSTSCRIPT\n${ps}` +
      `${UEL}@PJL EOJ\n${UEL}`;
    for (const maxBufferBytes of [16, 1 << 20]) {
      const found = await segments(job, { maxBufferBytes });
      expect(found.parts).to.deep.equal([
        ['pcl5', `${pcl}`],
        ['postscript', ps],
      ]);
      expect(found.segments[1].variables).to.deep.equal({ USERNAME: 'bob' });
      expect(found.segments[1].pjlLanguage).to.equal('POSTSCRIPT');
      expect(found.partial).to.equal(false);
    }
  });

  it('finds a UEL that straddles two reads', async () => {
    const header = `${UEL}@PJL ENTER LANGUAGE=PCL\n`;
    for (const cut of [1, 4, 8]) {
      // Reads are 4096 bytes: the second UEL starts `cut` bytes before the end of the first read.
      const pcl = `\x1bE${'A'.repeat(4096 - cut - header.length - 2)}`;
      const job = `${header}${pcl}${UEL}@PJL ENTER LANGUAGE=POSTSCRIPT\n%!PS\n`;
      const found = await segments(job, { maxBufferBytes: 16 });
      expect(found.parts).to.deep.equal([
        ['pcl5', pcl],
        ['postscript', '%!PS\n'],
      ]);
    }
  });

  it('keeps a UEL found inside binary data as data', async () => {
    const job = `\x1bE\x1b*b20W${UEL}\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0c`;
    const found = await segments(job, { maxBufferBytes: 16 });
    expect(found.parts).to.deep.equal([['pcl5', job]]);
  });

  it('returns the whole source as one part when there is no UEL, and honours the offset', async () => {
    expect((await segments('%!PS\nshowpage\n')).parts).to.deep.equal([['postscript', '%!PS\nshowpage\n']]);
    const found = await segments(`junk${UEL}@PJL ENTER LANGUAGE=PDF\n%PDF-1.4\n`, { offset: 4 });
    expect(found.parts).to.deep.equal([['pdf', '%PDF-1.4\n']]);
  });

  it('stops splitting after a thousand UELs, with a warning', async () => {
    const found = await segments(`${UEL}@PJL\n`.repeat(1100) + '%!PS\n', { maxBufferBytes: 4096 * 4 });
    expect(found.warnings.join(' ')).to.match(/more than 1000 UELs/);
    expect(found.segments.length).to.be.at.most(1);
  });
});
