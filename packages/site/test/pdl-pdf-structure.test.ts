/**
 * The PDF reader on hand-written files: every way a PDF can lay out its cross-reference data and page tree, and
 * the damage real files carry. Each test builds its file byte by byte (pdl-pdf-builder), so the structure under
 * test is exactly the one named, and checks the page count, paper and colour the analyser reports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { LanguageAnalysis } from '../src/pdl/pdl-types';
import { analysePdf } from '../src/pdl/pdf';
import { PdfBuilder, simpleDocument, streamBody, writePdf } from './pdl-pdf-builder';

const A4 = 'iso_a4_210x297mm';
const LETTER = 'na_letter_8.5x11in';
const A3 = 'iso_a3_297x420mm';
const LIMITS = { deadline: 0, maxBufferBytes: 16 * 1024 * 1024 };

describe('PDF reader: document structure', () => {
  let dir: string;
  let counter = 0;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdf-structure-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function analyse(
    bytes: Buffer,
    offset = 0,
    deadline = Date.now() + 20_000,
  ): Promise<LanguageAnalysis> {
    counter += 1;
    const source = writePdf(path.join(dir, `doc-${counter}.pdf`), bytes, offset);
    return analysePdf(source, { ...LIMITS, deadline });
  }

  const colours = (result: LanguageAnalysis) => result.pages.map((page) => page.color);
  const papers = (result: LanguageAnalysis) => result.pages.map((page) => page.paper);
  const threePages = [
    '0 g 10 10 100 100 re f',
    '1 0 0 rg 10 10 100 100 re f',
    '0 0 0 1 k 10 10 m 50 50 l S 1 g 0 0 5 5 re f',
  ];

  it('reads a classic xref table', async () => {
    const result = await analyse(simpleDocument(threePages).build(1));
    expect(result).to.deep.include({ pdl: 'pdf', copies: null, duplex: null, partial: false });
    expect(colours(result)).to.deep.equal([false, true, false]);
    expect(papers(result)).to.deep.equal([A4, A4, A4]);
    expect(result.warnings).to.deep.equal([]);
  });

  it('reads an xref stream with PNG-Up rows and objects packed in an object stream', async () => {
    const result = await analyse(
      simpleDocument(threePages).build(1, { xref: 'stream', objectStreams: true }),
    );
    expect(colours(result)).to.deep.equal([false, true, false]);
    expect(result.partial).to.equal(false);
    expect(result.warnings).to.deep.equal([]);
  });

  it('takes the newest revision of an incrementally updated file', async () => {
    const base = simpleDocument(['0 g 0 0 10 10 re f', '0 g 0 0 10 10 re f']).build(1);
    const update = new PdfBuilder()
      .add(2, '<< /Type /Pages /Kids [10 0 R 12 0 R 30 0 R] /Count 3 >>')
      .add(11, streamBody('', '0 0 1 rg 0 0 10 10 re f'))
      .add(30, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 31 0 R >>')
      .add(31, streamBody('', '0.5 g 0 0 10 10 re f'));
    const first = update.appendTo(base, 1);
    expect(colours(await analyse(first))).to.deep.equal([true, false, false]);
    // A second update, written as an xref stream, chained to the classic sections by /Prev.
    const second = new PdfBuilder()
      .add(13, streamBody('', '0 1 0 RG 0 0 m 9 9 l S'))
      .appendTo(first, 1, { xref: 'stream' });
    const result = await analyse(second);
    expect(colours(result)).to.deep.equal([true, true, false]);
    expect(papers(result)).to.deep.equal([A4, A4, LETTER]);
    expect(result.warnings).to.deep.equal([]);
  });

  it('recovers from wrong xref offsets by scanning for objects', async () => {
    const good = simpleDocument(threePages).build(1).toString('latin1');
    const broken = good.replace(
      /^(\d{10}) 00000 n/gm,
      (_, offset: string) => `${String(Number(offset) + 3).padStart(10, '0')} 00000 n`,
    );
    const result = await analyse(Buffer.from(broken, 'latin1'));
    expect(colours(result)).to.deep.equal([false, true, false]);
    expect(result.partial).to.equal(false);
    expect(result.warnings.join(' ')).to.match(/scanned/);
  });

  it('settles when recovery itself meets an unreadable object while unpacking object streams', async () => {
    // Found by the 50,000-mutation fuzz run: a damaged xref stream sends a page lookup to recovery, whose own
    // lookup of a malformed object ("16 0 obj\x02<<") used to wait for the recovery it belongs to, forever.
    const bytes = simpleDocument([
      '1 0 0 rg 72 72 144 144 re f',
      '0 g 72 72 144 144 re f',
      '0 0 1 RG 4 w 72 72 m 300 300 l S',
    ]).build(1, { xref: 'stream', objectStreams: true });
    const text = bytes.toString('latin1');
    bytes[text.indexOf('16 0 obj') + 8] = 0x02;
    bytes[text.indexOf('stream\n', text.indexOf('/Type /XRef')) + 7 + 10] ^= 0x04;
    const deadline = Date.now() + 5_000;
    const result = await Promise.race([
      analyse(bytes, 0, deadline),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 8_000).unref()),
    ]);
    expect(result, 'the analysis settles').to.not.equal('hung');
    expect((result as LanguageAnalysis).warnings.join(' ')).to.match(/scanned for its objects/);
  });

  it('scans for page-tree objects the xref table does not list', async () => {
    const good = simpleDocument(threePages).build(1).toString('latin1');
    const missing = good.replace(/\n12 1\n\d{10} 00000 n\r\n/, '\n');
    expect(missing.length).to.be.below(good.length);
    const result = await analyse(Buffer.from(missing, 'latin1'));
    expect(colours(result)).to.deep.equal([false, true, false]);
    expect(result.warnings.join(' ')).to.match(/scanned/);
  });

  it('recovers a file cut before its xref table (no startxref)', async () => {
    const good = simpleDocument(threePages).build(1, { xref: 'stream', objectStreams: true });
    const cut = good.subarray(0, good.indexOf('startxref') - 40);
    const result = await analyse(cut);
    expect(result.pages).to.have.length(3);
    expect(colours(result)).to.deep.equal([false, true, false]);
    expect(result.warnings.join(' ')).to.match(/no startxref/);
  });

  it('finds the PDF after a PJL header (source offset) and despite junk before %PDF-', async () => {
    const pjl = '\x1b%-12345X@PJL JOB NAME="x"\r\n@PJL ENTER LANGUAGE=PDF\r\n';
    const pdf = simpleDocument(threePages).build(1);
    const result = await analyse(Buffer.concat([Buffer.from(pjl, 'latin1'), pdf]), pjl.length);
    expect(colours(result)).to.deep.equal([false, true, false]);
    const junk = simpleDocument(threePages).build(1, { prefix: 'garbage line\n' });
    expect(colours(await analyse(junk))).to.deep.equal([false, true, false]);
  });

  it('inherits MediaBox and Resources from ancestors and intersects the CropBox', async () => {
    const builder = new PdfBuilder()
      .add(1, '<< /Type /Catalog /Pages 2 0 R >>')
      .add(2, '<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 3 /MediaBox [0 0 612 792] /Resources 20 0 R >>')
      .add(3, '<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 6 0 R] /Count 2 /MediaBox [0 0 842 1191] >>')
      .add(4, '<< /Type /Page /Parent 3 0 R /Contents 9 0 R >>')
      .add(6, '<< /Type /Page /Parent 3 0 R /CropBox [-50 -50 595 842] /Rotate 90 /Contents 9 0 R >>')
      .add(5, '<< /Type /Page /Parent 2 0 R /Contents 9 0 R >>')
      .add(9, streamBody('', '/Spot cs 1 sc 0 0 10 10 re f'))
      .add(20, '<< /ColorSpace << /Spot [/Separation /Black /DeviceCMYK 21 0 R] >> >>')
      .add(21, '<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [0 0 0 1] /N 1 >>');
    const result = await analyse(builder.build(1));
    expect(papers(result)).to.deep.equal([A3, A4, LETTER]);
    expect(colours(result)).to.deep.equal([false, false, false]);
  });

  it('counts the leaves of a nested page tree, not a wrong /Count; a repeated page twice, a loop once', async () => {
    const builder = new PdfBuilder()
      .add(1, '<< /Type /Catalog /Pages 2 0 R >>')
      .add(2, '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 9 /MediaBox [0 0 595 842] >>')
      .add(3, '<< /Type /Pages /Kids [5 0 R 6 0 R 2 0 R] /Count 2 >>')
      .add(4, '<< /Kids [7 0 R 5 0 R] /Count 2 >>')
      .add(5, '<< /Type /Page /Contents 9 0 R >>')
      .add(6, '<< /Type /Page /Contents 8 0 R >>')
      .add(7, '<< /Type /Page >>')
      .add(8, streamBody('', '1 0 0 0 k 0 0 10 10 re f'))
      .add(9, streamBody('', '0 0 0 1 k 0 0 10 10 re f'));
    const result = await analyse(builder.build(1));
    expect(colours(result)).to.deep.equal([false, true, false, false]);
    expect(papers(result)).to.deep.equal([A4, A4, A4, A4]);
    const warnings = result.warnings.join(' ');
    expect(warnings).to.match(/\/Count 9 but lists 4 pages/);
    expect(warnings).to.match(/lists a page twice; it was counted twice/);
    expect(warnings).to.match(/lists a node twice \(or loops\)/);
  });

  it('counts the pages of an encrypted document and leaves their colour unknown', async () => {
    const builder = simpleDocument(threePages).add(
      40,
      '<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>',
    );
    const result = await analyse(builder.build(1, { trailerExtra: '/Encrypt 40 0 R' }));
    expect(colours(result)).to.deep.equal([null, null, null]);
    expect(result.partial).to.equal(false);
    expect(result.warnings.join(' ')).to.match(/encrypted/);
  });

  it('stops at the deadline with a partial result instead of running on', async () => {
    const result = await analyse(simpleDocument(threePages).build(1), 0, Date.now() - 1);
    expect(result.partial).to.equal(true);
    expect(result.warnings.join(' ')).to.match(/time limit/);
  });

  it('never throws on truncated or corrupted copies of a document', async () => {
    const good = simpleDocument(threePages).build(1, { xref: 'stream', objectStreams: true });
    for (let cut = 0; cut < good.length; cut += 97) {
      const result = await analyse(good.subarray(0, cut));
      expect(result.pdl).to.equal('pdf');
    }
    for (let seed = 1; seed <= 40; seed += 1) {
      const damaged = Buffer.from(good);
      for (let i = 0; i < 8; i += 1)
        damaged[(seed * 7919 * (i + 1)) % damaged.length] = (seed * 31 + i) & 0xff;
      const result = await analyse(damaged);
      expect(result.pages.length).to.be.at.most(3);
    }
  });
});
