/**
 * PCL XL analyser tests on hand-built jobs (both bindings): one page per EndPage, paper from every MediaSize
 * form, duplex per page and orientation, PageCopies folding, the job's byte range, and broken, truncated or
 * late input reported as partial with the pages counted so far.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageAnalysis } from './pdl-types';
import { analysePclXl } from './pclxl';
import { Attr, ELEMENT_REAL32, ELEMENT_UINT16, ELEMENT_UINT32 } from './pclxl-tags';
import { PclXlWriter, type WriterPageOptions } from './pclxl-writer';

let dir = '';
let jobs = 0;

interface AnalyseOptions {
  offset?: number;
  length?: number;
  deadline?: number;
  maxBufferBytes?: number;
}

async function analyse(bytes: Buffer, options: AnalyseOptions = {}): Promise<LanguageAnalysis> {
  jobs += 1;
  const path = join(dir, `job-${jobs}.pxl`);
  await writeFile(path, bytes);
  const offset = options.offset ?? 0;
  const limits = {
    deadline: options.deadline ?? Date.now() + 10_000,
    maxBufferBytes: options.maxBufferBytes ?? 1 << 20,
  };
  return analysePclXl({ path, offset, length: options.length ?? bytes.length - offset }, limits);
}

/** A session holding one simple page per entry. */
function job(pages: WriterPageOptions[], bigEndian = false): PclXlWriter {
  const w = new PclXlWriter(bigEndian).header().beginSession();
  for (const page of pages) w.beginPage(page).greyBrush(0).rectangle().endPage(page.copies);
  return w.endSession();
}

describe('PCL XL analyser: pages, paper, duplex, copies', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quire-pclxl-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const bigEndian of [false, true]) {
    it(`counts one page per EndPage with its paper (${bigEndian ? 'big' : 'little'}-endian)`, async () => {
      const result = await analyse(
        job([{ media: 2 }, { media: 0 }, { media: 5 }, { media: 1 }], bigEndian).bytes(),
      );
      expect(result).to.deep.include({
        pdl: 'pcl-xl',
        copies: null,
        duplex: null,
        partial: false,
        warnings: [],
      });
      expect(result.pages.map((p) => p.paper)).to.deep.equal([
        'iso_a4_210x297mm',
        'na_letter_8.5x11in',
        'iso_a3_297x420mm',
        'na_legal_8.5x14in',
      ]);
      expect(result.pages.every((p) => p.color === false && p.duplex === null)).to.equal(true);
    });
  }

  it('names paper given as a MediaSize string, a custom size, or the printer default', async () => {
    const w = job([
      { media: 'A4' },
      { media: 'LETTER' },
      { media: 'JIS B5' },
      { media: 'exec' },
      { media: 96 },
    ]);
    const custom = new PclXlWriter().header().beginSession();
    custom.xy(ELEMENT_UINT16, 120, 200).attr(Attr.CustomMediaSize).ubyte(1).attr(Attr.CustomMediaSizeUnits);
    custom.beginPage().endPage();
    custom.xy(ELEMENT_REAL32, 8.5, 11).attr(Attr.CustomMediaSize).ubyte(0).attr(Attr.CustomMediaSizeUnits);
    custom.text('Glossy').attr(Attr.MediaType).beginPage().endPage().endSession();
    const named = await analyse(w.bytes());
    expect(named.pages.map((p) => p.paper)).to.deep.equal([
      'iso_a4_210x297mm',
      'na_letter_8.5x11in',
      'jis_b5_182x257mm',
      'na_executive_7.25x10.5in',
      null,
    ]);
    expect(named.warnings).to.deep.equal([]);
    const sized = await analyse(custom.bytes());
    expect(sized.pages).to.deep.equal([
      { color: false, paper: 'custom_120x200mm_120x200mm', duplex: null, mediaType: null },
      { color: false, paper: 'na_letter_8.5x11in', duplex: null, mediaType: 'Glossy' },
    ]);
  });

  it('reports sizes it cannot name as null, with a warning', async () => {
    const result = await analyse(job([{ media: 77 }, { media: 'POSTER' }]).bytes());
    expect(result.pages.map((p) => p.paper)).to.deep.equal([null, null]);
    expect(result.warnings).to.have.length(2);
    expect(result.partial).to.equal(false);
  });

  it('reads duplex per page: binding against the page as oriented', async () => {
    const result = await analyse(
      job([
        { duplexMode: 'simplex' },
        { duplexMode: 1 },
        { duplexMode: 0 },
        { duplexMode: 1, orientation: 1 },
        { duplexMode: 0, orientation: 3 },
        {},
      ]).bytes(),
    );
    expect(result.pages.map((p) => p.duplex)).to.deep.equal([
      'simplex',
      'long-edge',
      'short-edge',
      'short-edge',
      'long-edge',
      null,
    ]);
    expect(result.duplex).to.equal(null);
    const long = await analyse(job([{ duplexMode: 1 }, { duplexMode: 1 }]).bytes());
    expect(long.duplex).to.equal('long-edge');
  });

  it('takes PageCopies common to every page as the job copies', async () => {
    const result = await analyse(job([{ copies: 3 }, { copies: 3 }]).bytes());
    expect(result.copies).to.equal(3);
    expect(result.pages).to.have.length(2);
    expect(result.warnings).to.deep.equal([]);
  });

  it('folds differing PageCopies into the page list so that pages × copies stays exact', async () => {
    const result = await analyse(
      job([
        { copies: 2, media: 2 },
        { copies: 4, media: 0 },
      ]).bytes(),
    );
    expect(result.copies).to.equal(2);
    expect(result.pages.map((p) => p.paper)).to.deep.equal([
      'iso_a4_210x297mm',
      'na_letter_8.5x11in',
      'na_letter_8.5x11in',
    ]);
    expect(result.warnings[0]).to.match(/different PageCopies \(2, 4\)/);
    const unset = await analyse(job([{}, { copies: 3 }]).bytes());
    expect([unset.copies, unset.pages.length]).to.deep.equal([1, 4]);
  });

  it('honours PageCopies given at BeginPage when EndPage has none', async () => {
    const w = new PclXlWriter().header().beginSession().uint16(2).attr(Attr.PageCopies);
    const result = await analyse(w.beginPage({ media: 2 }).endPage().endSession().bytes());
    expect(result.copies).to.equal(2);
  });

  it('reads only its byte range of the spool file', async () => {
    const pjl = Buffer.from('\x1b%-12345X@PJL ENTER LANGUAGE=PCLXL\r\n', 'latin1');
    const xl = job([{ media: 2 }, { media: 2 }])
      .raw('\x1b%-12345X')
      .bytes();
    const file = Buffer.concat([pjl, xl, Buffer.from([0x05, 0x06, 0x07])]);
    const result = await analyse(file, { offset: pjl.length, length: xl.length });
    expect([result.pages.length, result.partial, result.warnings]).to.deep.equal([2, false, []]);
    const fromStart = await analyse(file, { length: pjl.length + xl.length });
    expect([fromStart.pages.length, fromStart.partial]).to.deep.equal([2, false]);
  });

  it('counts the pages of several jobs in one stream, across UEL and PJL', async () => {
    const one = Buffer.concat([
      Buffer.from('\x1b%-12345X@PJL ENTER LANGUAGE=PCLXL\n'),
      job([{}, {}]).bytes(),
    ]);
    const two = Buffer.concat([
      Buffer.from('\x1b%-12345X@PJL ENTER LANGUAGE=PCLXL\n'),
      job([{}], true).bytes(),
    ]);
    const result = await analyse(
      Buffer.concat([one, two, Buffer.from('\x1b%-12345X@PJL EOJ\n\x1b%-12345X')]),
    );
    expect([result.pages.length, result.partial]).to.deep.equal([3, false]);
  });

  it('gives the same result whatever the read-chunk size (tokens and arrays straddle chunks)', async () => {
    const w = new PclXlWriter().header().beginSession();
    const palette = Array.from({ length: 768 }, (_, i) => (i % 3 === 0 ? i % 256 : 0));
    for (let page = 0; page < 400; page += 1) {
      w.beginPage({ media: page % 6, duplexMode: page % 2 === 0 ? 0 : 1 }).colourSpace(2, palette);
      w.greyBrush(page % 5 === 0 ? 3 : 0).rectangle();
      w.array(ELEMENT_UINT16, new Array(page % 200).fill(page))
        .attr(200)
        .op(0x4a);
      const level = page % 256;
      w.colourSpace(2)
        .rgbBrush(level, page % 7 === 0 ? 0 : level, level)
        .rectangle()
        .endPage(2);
    }
    const bytes = w.endSession().bytes();
    expect(bytes.length).to.be.greaterThan(4 * 64 * 1024);
    const small = await analyse(bytes, { maxBufferBytes: 0 });
    const large = await analyse(bytes, { maxBufferBytes: 64 << 20 });
    expect(small).to.deep.equal(large);
    expect([small.pages.length, small.copies, small.partial]).to.deep.equal([400, 2, false]);
    expect(small.pages.filter((p) => p.color).length).to.equal(
      Array.from({ length: 400 }, (_, page) => page % 5 === 0 || (page % 7 === 0 && page % 256 > 8)).filter(
        Boolean,
      ).length,
    );
  });

  it('skips unknown operators and attributes by their encoded types', async () => {
    const w = new PclXlWriter().header().beginSession().beginPage({ media: 2 });
    w.box(ELEMENT_REAL32, [1, 2, 3, 4]).attr(200).array(ELEMENT_UINT32, [1, 2, 3]).attr(0x1234).op(0x4a);
    w.op(0xbe).data(Buffer.alloc(40, 0x43)).op(0x9c).data(Buffer.alloc(300, 0x44), true);
    const result = await analyse(w.endPage().beginPage({ media: 0 }).endPage().endSession().bytes());
    expect([result.pages.length, result.partial, result.warnings]).to.deep.equal([2, false, []]);
  });

  it('stops at broken data and reports the pages before it as partial', async () => {
    const good = job([{}, {}]).bytes();
    const w = new PclXlWriter()
      .raw(good.subarray(0, good.length - 1))
      .beginPage()
      .raw(Buffer.of(0xf0))
      .endPage();
    const result = await analyse(w.bytes());
    expect([result.pages.length, result.partial]).to.deep.equal([2, true]);
    expect(result.warnings.join()).to.match(/unknown tag 0xf0 at byte \d+/);
  });

  it('reports truncated data: embedded data past the end, a file shorter than the job', async () => {
    const w = job([{}]).raw(Buffer.of(0x4a));
    const cut = new PclXlWriter()
      .raw(w.bytes().subarray(0, -2))
      .beginPage()
      .op(0xb1)
      .raw(Buffer.of(0xfa, 0, 0, 1, 0, 1));
    const result = await analyse(cut.bytes());
    expect([result.pages.length, result.partial]).to.deep.equal([1, true]);
    expect(result.warnings.join()).to.match(/65535 bytes past the end/);
    const short = await analyse(job([{}]).bytes(), { length: 10_000 });
    expect([short.pages.length, short.partial]).to.deep.equal([1, true]);
    expect(short.warnings.join()).to.match(/spool file ends/);
  });

  it('stops where a printer would abort: pages out of sequence', async () => {
    const stray = new PclXlWriter().header().beginSession().endPage().beginPage().endPage().endSession();
    expect(await analyse(stray.bytes())).to.deep.include({ partial: true, pages: [] });
    const outside = new PclXlWriter().header().beginPage().endPage();
    expect((await analyse(outside.bytes())).warnings.join()).to.match(/BeginPage outside a session/);
    const unended = new PclXlWriter().header().beginSession().beginPage().endPage().beginPage();
    const result = await analyse(unended.bytes());
    expect([result.pages.length, result.partial]).to.deep.equal([1, true]);
    expect(result.warnings.join()).to.match(/no EndPage/);
  });

  it('marks a job without EndSession, or without any PCL XL, as partial', async () => {
    const noEnd = await analyse(new PclXlWriter().header().beginSession().beginPage().endPage().bytes());
    expect([noEnd.pages.length, noEnd.partial]).to.deep.equal([1, true]);
    const none = await analyse(Buffer.from('%!PS-Adobe-3.0\nshowpage\n'));
    expect([none.pages.length, none.partial]).to.deep.equal([0, true]);
    expect(none.warnings.join()).to.match(/no PCL XL stream header/);
  });

  it('stops at the time limit with a partial result', async () => {
    const result = await analyse(job([{}, {}]).bytes(), { deadline: Date.now() - 1 });
    expect(result.partial).to.equal(true);
    expect(result.warnings.join()).to.match(/time limit/);
  });
});
