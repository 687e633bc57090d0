/**
 * The PostScript interpreter's execution stack and errors: recursion is bounded, an overflow raises
 * `execstackoverflow`, `stopped` catches it, and an error nothing catches ends the job as on a printer (the pages
 * shown before it count, nothing after it does). A procedure that calls itself and shows a page each time gives
 * the same small count whatever the deadline, where it used to count pages until the deadline.
 */
import { expect } from 'chai';
import { type LanguageAnalysis } from './pdl-types';
import { analysePostScript } from './postscript';
import { MAX_EXEC_DEPTH } from './postscript-interp';

async function analyse(job: string, deadlineMs = 10_000): Promise<LanguageAnalysis> {
  const bytes = Buffer.from(job, 'latin1');
  const limits = { deadline: Date.now() + deadlineMs, maxBufferBytes: 16 * 1024 * 1024 };
  return analysePostScript({ path: '', offset: 0, length: bytes.length, bytes }, limits);
}

const ended = (result: LanguageAnalysis) => result.warnings.filter((w) => w.startsWith('the job ends early'));

describe('PostScript execution stack and errors', () => {
  it('stops a procedure that calls itself after each page at the stack limit, whatever the deadline', async () => {
    const job = '%!PS\n/pg { 1 0 0 setrgbcolor 0 0 9 9 rectfill showpage pg } def pg\n';
    const results = [await analyse(job, 100), await analyse(job, 10_000)];
    for (const result of results) {
      expect(result.pages).to.have.length(MAX_EXEC_DEPTH);
      expect(result.pages.every((page) => page.color === true)).to.equal(true);
      expect(result.partial).to.equal(false);
      expect(ended(result)).to.deep.equal([
        `the job ends early, at execstackoverflow (procedure calls nest deeper than ${MAX_EXEC_DEPTH}): ` +
          'as on a printer, the pages shown before that count and nothing after it',
      ]);
    }
  });

  it('ends branching recursion at the first overflow instead of walking the whole tree', async () => {
    const started = Date.now();
    const twice = await analyse('%!PS\n/pg { showpage pg pg } def pg\n', 3_000);
    expect(twice.pages).to.have.length(MAX_EXEC_DEPTH);
    // The fuzz case: the procedure calls itself three times before it shows a page, so nothing is shown.
    const before = await analyse(
      '%!PS\n/pg { /c exch def true pg false pg true pg c pop showpage } bind def\ntrue pg false pg\n',
      3_000,
    );
    expect(before.pages).to.have.length(0);
    expect(ended(before)).to.have.length(1);
    expect(Date.now() - started).to.be.below(1_000);
  });

  it('does not count pages after the error, even when DSC comments announce them', async () => {
    const job = [
      '%!PS-Adobe-3.0',
      '%%Pages: 3',
      '%%Page: 1 1',
      'showpage',
      '%%Page: 2 2',
      '/a { a } def a showpage',
      '%%Page: 3 3',
      'showpage',
      '%%EOF',
    ].join('\n');
    const result = await analyse(job);
    expect(result.pages).to.have.length(1);
    expect(ended(result)).to.have.length(1);
    const aliased = await analyse('%!PS\nshowpage /a /a cvx def a showpage\n');
    expect(aliased.pages).to.have.length(1);
    expect(ended(aliased)).to.have.length(1);
  });

  it('binds procedures nested at run time far deeper than the tokenizer allows, without overflowing', async () => {
    // Each `[ exch ] cvx` wraps the procedure in one more: bind used to recurse once per level.
    const result = await analyse('%!PS\n{ } 99999 { [ exch ] cvx } repeat bind pop showpage\n');
    expect(result.pages).to.have.length(1);
    expect(result.warnings).to.deep.equal([]);
  });

  it('lets stopped catch the overflow, and goes on after it', async () => {
    const result = await analyse('%!PS\n/a { a } def { a } stopped { showpage } if showpage\n');
    expect(result.pages).to.have.length(2);
    expect(result.warnings).to.deep.equal([]);
  });

  it('ends the job at stop or exit that nothing catches, as ghostscript does', async () => {
    const stop = await analyse('%!PS\nshowpage stop showpage\n');
    expect(stop.pages).to.have.length(1);
    expect(ended(stop).join()).to.contain('stop outside any stopped context');
    const exit = await analyse('%!PS\nshowpage /p { exit } def p showpage\n');
    expect(exit.pages).to.have.length(1);
    expect(ended(exit).join()).to.contain('invalidexit');
    const caught = await analyse('%!PS\n{ showpage stop showpage } stopped pop 3 { exit } repeat showpage\n');
    expect(caught.pages).to.have.length(2);
    expect(caught.warnings).to.deep.equal([]);
  });

  it('abandons a branch it cannot evaluate at an overflow, without ending the job', async () => {
    const started = Date.now();
    // Each level may or may not call itself twice: unbounded work unless the overflow unwinds every level.
    const job =
      '%!PS\n/pg { currentpagedevice /Flag get { { pg } stopped pop pg } if } def pg\n0 0 9 9 rectfill showpage\n';
    const result = await analyse(job, 5_000);
    expect(result.partial).to.equal(false);
    expect(result.pages).to.have.length(1);
    expect(ended(result)).to.deep.equal([]);
    expect(result.warnings.join()).to.contain(`nest deeper than ${MAX_EXEC_DEPTH} in a branch`);
    expect(Date.now() - started).to.be.below(1_000);
  });
});
