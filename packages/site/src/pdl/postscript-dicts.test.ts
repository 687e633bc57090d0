/**
 * The PostScript interpreter's dictionaries, as the page count sees them: a dictionary made by `>>` (whose map is
 * built only when used) holds what the program gave, later keys winning; and the quick "defined nowhere" test
 * that spares operator names a walk down the dictionary stack never hides a definition, however it was made.
 */
import { expect } from 'chai';
import { analysePostScript } from './postscript';

async function pagesOf(program: string): Promise<number> {
  const bytes = Buffer.from(`%!PS\n${program}\n`, 'latin1');
  const limits = { deadline: Date.now() + 10_000, maxBufferBytes: 16 * 1024 * 1024 };
  const result = await analysePostScript({ path: '', offset: 0, length: bytes.length, bytes }, limits);
  return result.pages.length;
}

describe('PostScript dictionaries', () => {
  it('builds a >> dictionary as given, the later of two equal keys winning', async () => {
    expect(await pagesOf('<< /p { showpage } /p { } >> begin p p end')).to.equal(0);
    expect(await pagesOf('<< /p { } /p { showpage } >> begin p p end')).to.equal(2);
    expect(await pagesOf('<< (p) { showpage } /q 1 >> begin p end')).to.equal(1);
    expect(await pagesOf('/d << /p { showpage } >> def d begin p p p end')).to.equal(3);
    expect(await pagesOf('/d << /p { showpage } >> def d /p get exec')).to.equal(1);
    expect(await pagesOf('mark /p { showpage } /.dicttomark { >> } def .dicttomark begin p end')).to.equal(1);
  });

  it('finds names however they were defined, and forgets them on restore', async () => {
    expect(await pagesOf('/d 5 dict def d /p { showpage } put d begin p end')).to.equal(1);
    expect(await pagesOf('p /p { showpage } def p p')).to.equal(2);
    expect(await pagesOf('/p { showpage } def 5 dict begin 5 dict begin p end end')).to.equal(1);
    expect(await pagesOf('save /p { showpage } def restore p')).to.equal(0);
    expect(await pagesOf('/p { showpage } def save /p { } def restore p')).to.equal(1);
    expect(await pagesOf('/p { } def 3 dict begin /p { showpage } store end p')).to.equal(1);
  });

  it('binds operator names, but not names the program defined first', async () => {
    expect(await pagesOf('/showpage { } def /x { showpage } bind def x')).to.equal(0);
    expect(await pagesOf('/x { showpage } bind def /showpage { } def x x')).to.equal(2);
    expect(await pagesOf('/x { { showpage } exec } bind def userdict /showpage { } put x')).to.equal(1);
  });
});
