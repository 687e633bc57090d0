/**
 * The PostScript analyser on hand-made jobs that probe its decisions and limits: which page count wins when DSC
 * comments and executed `showpage`s disagree, loops it can and cannot count, embedded documents, data it must
 * skip, device settings in their Level 1 and DSC forms, hostile programs, deadlines and a PJL offset.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type LanguageAnalysis } from '../src/pdl/pdl-types';
import { analysePostScript } from '../src/pdl/postscript';

describe('PostScript analyser: decisions and limits', function () {
  this.timeout(30_000);
  let dir = '';
  let counter = 0;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdl-ps-cases-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function analyse(text: string | Buffer, offset = 0, deadlineMs = 10_000): Promise<LanguageAnalysis> {
    const file = path.join(dir, `job-${counter++}.ps`);
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    writeFileSync(file, bytes);
    const limits = { deadline: Date.now() + deadlineMs, maxBufferBytes: 4 * 1024 * 1024 };
    return analysePostScript({ path: file, offset, length: bytes.length - offset }, limits);
  }

  const colours = (result: LanguageAnalysis) => result.pages.map((page) => page.color);

  it('counts executed showpages over DSC comments that announce fewer pages', async () => {
    const result = await analyse(
      '%!PS-Adobe-3.0\n%%Pages: 1\n%%Page: 1 1\nshowpage showpage showpage\n%%EOF\n',
    );
    expect(result.pages).to.have.length(3);
    expect(result.warnings.join()).to.contain('announce 1 pages but the program executes showpage 3 times');
  });

  it('uses consistent DSC pages when a loop count cannot be computed, and says why', async () => {
    const job = [
      '%!PS-Adobe-3.0',
      '%%Pages: 2',
      '%%Page: 1 1',
      'currentpagedevice /PageSize get 0 get 0 gt { 1 } { 2 } ifelse { 1 0 0 setrgbcolor 0 0 9 9 rectfill showpage } repeat',
      '%%Page: 2 2',
      '0 setgray 0 0 9 9 rectfill showpage',
      '%%EOF',
    ].join('\n');
    const result = await analyse(job);
    expect(result.pages).to.have.length(2);
    expect(result.warnings.join()).to.contain('page count taken from the DSC comments');
    expect(colours(result)).to.deep.equal([null, false]);
  });

  it('warns that the count is uncertain when neither DSC nor the scanner can be trusted', async () => {
    const result = await analyse(
      '%!PS\n/n currentpagedevice /PageSize get 0 get cvi def\nn { showpage } repeat\n',
    );
    expect(result.pages).to.have.length(0);
    expect(result.warnings.join()).to.contain('no page found');
    expect(result.partial).to.equal(false);
  });

  it('counts loops and conditions whose values it can compute', async () => {
    const job =
      '%!PS\n/n 3 def n { 0 0 9 9 rectfill showpage } repeat\n1 2 5 { 2 mod 1 eq { 0 1 0 setrgbcolor } if 0 0 9 9 rectfill showpage } for\n';
    const result = await analyse(job);
    expect(colours(result)).to.deep.equal([false, false, false, true, true, true]);
    expect(result.warnings).to.deep.equal([]);
  });

  it('does not count the pages of an embedded document whose showpage is disabled', async () => {
    const job = [
      '%!PS-Adobe-3.0',
      '%%Pages: 2',
      '%%Page: 1 1',
      'save /showpage {} def',
      '%%BeginDocument: inner.eps',
      '%!PS-Adobe-3.0 EPSF-3.0',
      '%%Pages: 5',
      '%%Page: 1 1',
      '0 0 1 setrgbcolor 0 0 9 9 rectfill showpage',
      '%%EndDocument',
      'restore showpage',
      '%%Page: 2 2',
      'showpage',
      '%%EOF',
    ].join('\n');
    const result = await analyse(job);
    expect(colours(result)).to.deep.equal([true, false]);
    expect(result.warnings).to.deep.equal([]);
  });

  it('skips binary and ASCII85 image data read from the job, whatever bytes it holds', async () => {
    const binary = Buffer.from('(((%%Page: 9 9\n{ showpage\n', 'latin1');
    const padded = Buffer.concat([binary, Buffer.alloc(64 - binary.length, 0x28)]);
    const job = Buffer.concat([
      Buffer.from(
        '%!PS\n/s 8 string def\n8 8 8 [8 0 0 8 0 0] {currentfile s readstring pop} false 1 colorimage\n',
      ),
      padded,
      Buffer.from(
        '\n8 8 8 [8 0 0 8 0 0] currentfile /ASCII85Decode filter false 3 colorimage\n(<%{~>\nshowpage\n',
      ),
    ]);
    const result = await analyse(job);
    expect(colours(result)).to.deep.equal([true]);
  });

  it('skips binary data of unknown length by its %%BeginData count, and trusts DSC when it cannot', async () => {
    const data = Buffer.from('(((((%%Page: 7 7\n', 'latin1');
    const image = Buffer.from('image\n', 'latin1');
    const section = (withCount: boolean) =>
      Buffer.concat([
        Buffer.from('2 2 8 [2 0 0 2 0 0] currentfile /RunLengthDecode filter\n', 'latin1'),
        Buffer.from(withCount ? `%%BeginData: ${image.length + data.length} Binary Bytes\n` : '', 'latin1'),
        image,
        data,
        Buffer.from(withCount ? '\n%%EndData\n' : '\n', 'latin1'),
      ]);
    const job = (withCount: boolean) =>
      Buffer.concat([
        Buffer.from('%!PS-Adobe-3.0\n%%Pages: 2\n%%Page: 1 1\n', 'latin1'),
        section(withCount),
        Buffer.from('showpage\n%%Page: 2 2\n) showpage\n%%EOF\n', 'latin1'),
      ]);
    const measured = await analyse(job(true));
    expect(measured.pages).to.have.length(2);
    expect(measured.warnings).to.deep.equal([]);
    const derailed = await analyse(job(false));
    expect(derailed.pages).to.have.length(2);
    expect(derailed.warnings.join()).to.contain('page count taken from the DSC comments');
  });

  it('reads Level 1 and DSC-only page device settings', async () => {
    const job = [
      '%!PS-Adobe-3.0',
      '%%Requirements: numcopies(4)',
      '%%IncludeFeature: *Duplex DuplexTumble',
      '%%EndComments',
      '%%Page: 1 1',
      'statusdict begin letter end 0 0 9 9 rectfill showpage',
      '%%Page: 2 2',
      'a3 showpage',
      '%%EOF',
    ].join('\n');
    const result = await analyse(job);
    expect(result.pages.map((page) => page.paper)).to.deep.equal(['na_letter_8.5x11in', 'iso_a3_297x420mm']);
    expect(result.duplex).to.equal('short-edge');
    expect(result.copies).to.equal(4);
  });

  it('follows procedures bound to operators, aliases and redefinitions undone by restore', async () => {
    const job = [
      '%!PS',
      '/rgb /setrgbcolor load def /F { fill } bind def /EP { showpage } bind def',
      'save /showpage { } def showpage restore',
      '0 0 1 rgb 0 0 moveto 9 0 rlineto 0 9 rlineto closepath F EP',
      '/showpage { 0.5 setgray 0 0 9 9 rectfill systemdict /showpage get exec } def showpage',
    ].join('\n');
    const result = await analyse(job);
    expect(colours(result)).to.deep.equal([true, false]);
  });

  it('reports unknown colour for pattern fills and keeps the count', async () => {
    const job =
      '%!PS\n<< /PatternType 1 /PaintType 1 >> matrix makepattern setpattern 0 0 9 9 rectfill showpage\n';
    const result = await analyse(job);
    expect(colours(result)).to.deep.equal([null]);
    expect(result.warnings.join()).to.contain('colour of 1 pages is unknown');
  });

  it('starts at the offset after a PJL header', async () => {
    const pjl = '\x1b%-12345X@PJL JOB\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n';
    const result = await analyse(
      `${pjl}%!PS\n1 0 0 setrgbcolor 0 0 9 9 rectfill showpage showpage\n`,
      pjl.length,
    );
    expect(colours(result)).to.deep.equal([true, false]);
  });

  it('survives hostile programs: endless loops, deep recursion, huge counts, unbalanced syntax', async () => {
    const job = '%!PS\n{ } loop 1000000000 { showpage } repeat ) } ] >> <abc (unclosed';
    const result = await analyse(job);
    expect(result.pages).to.have.length(0);
    expect(result.warnings.join()).to.contain('no page found');
    // Endless recursion overflows the execution stack, which ends the job before the loop of pages.
    const recursive = await analyse(`%!PS\n/a { a } def a ${job.slice(5)}`);
    expect(recursive.pages).to.have.length(0);
    expect(recursive.partial).to.equal(false);
    expect(recursive.warnings.join()).to.contain('execstackoverflow');
  });

  it('keeps memory and time bounded on jobs built to exhaust them', async () => {
    const jobs = [
      `%!PS\n${'{'.repeat(200_000)}`,
      `%!PS\n${'1 dict begin '.repeat(50_000)}showpage`,
      `%!PS\n${'save '.repeat(50_000)}showpage`,
      `%!PS\n${'256 array '.repeat(50_000)}showpage`,
      `%!PS\n${'[ '.repeat(20_000)}${'] '.repeat(20_000)}showpage`,
    ];
    for (const job of jobs) {
      const result = await analyse(job, 0, 5_000);
      expect(result.pages.length, job.slice(0, 20)).to.be.at.most(1);
    }
    const emptyLoops = await analyse('%!PS\n1 1 100000 { pop 1 1 100000 { } for } for showpage\n', 0, 300);
    expect(emptyLoops.partial).to.equal(true);
  });

  it('counts the pages a truncated DSC job really ejects, and says it may be truncated', async () => {
    const result = await analyse(
      '%!PS-Adobe-3.0\n%%Pages: 2\n%%Page: 1 1\nshowpage\n%%Page: 2 2\n0 0 9 9 rect',
    );
    expect(result.pages).to.have.length(1);
    expect(result.warnings.join()).to.contain('may be truncated');
  });

  it('stops at the deadline and marks the result partial', async () => {
    const result = await analyse('%!PS\n1 1 100000 { pop 1 1 100000 { pop } for } for showpage\n', 0, 200);
    expect(result.partial).to.equal(true);
    expect(result.warnings.join()).to.contain('time limit');
  });

  it('treats data that is not PostScript as a job without pages, without throwing', async () => {
    const result = await analyse(Buffer.from([0x00, 0xff, 0x28, 0x7b, 0x3c, 0x9c, 0x25, 0x0a]));
    expect(result.pages).to.deep.equal([]);
    expect(result.pdl).to.equal('postscript');
  });
});
