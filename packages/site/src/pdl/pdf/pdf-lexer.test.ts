/**
 * The tokeniser and the object parser: every token type, the lenient forms producers write, and the "window too
 * small" signal the indirect-object reader relies on.
 */
import { expect } from 'chai';
import { PdfLexer, Tok } from './pdf-lexer';
import { PdfDict, PdfRef, type PdfString } from './pdf-objects';
import { parseValueAt } from './pdf-parser';

function tokens(text: string): string[] {
  const lx = new PdfLexer(Buffer.from(text, 'latin1'));
  const out: string[] = [];
  for (let tok = lx.next(); tok !== Tok.EOF; tok = lx.next()) {
    if (tok === Tok.Number) out.push(`num:${lx.num}`);
    else if (tok === Tok.Name) out.push(`name:${lx.name()}`);
    else if (tok === Tok.Keyword) out.push(`kw:${lx.keyword()}`);
    else if (tok === Tok.String || tok === Tok.HexString)
      out.push(`str:${lx.stringBytes(100).toString('latin1')}`);
    else out.push(`tok:${tok}`);
  }
  return out;
}

describe('PDF lexer', () => {
  it('reads numbers, names, keywords and delimiters', () => {
    expect(tokens('12 -3.5 .25 +7 --4 /Type/Page#20X f* [ ] << >> % comment\nBT')).to.deep.equal([
      'num:12',
      'num:-3.5',
      'num:0.25',
      'num:7',
      'num:-4',
      'name:Type',
      'name:Page X',
      'kw:f*',
      `tok:${Tok.ArrayOpen}`,
      `tok:${Tok.ArrayClose}`,
      `tok:${Tok.DictOpen}`,
      `tok:${Tok.DictClose}`,
      'kw:BT',
    ]);
  });

  it('decodes literal strings with escapes and nesting, and hex strings with an odd digit', () => {
    expect(tokens('(a\\(b\\)c (nested) \\101\\n\\\nd) <48 65 6C6C 6F> <7>')).to.deep.equal([
      'str:a(b)c (nested) A\nd',
      'str:Hello',
      'str:p',
    ]);
  });

  it('flags tokens that run into the end of the window', () => {
    const lx = new PdfLexer(Buffer.from('12 (unfinished'), 0);
    expect(lx.next()).to.equal(Tok.Number);
    expect(lx.atLimit).to.equal(false);
    expect(lx.next()).to.equal(Tok.String);
    expect(lx.atLimit).to.equal(true);
  });
});

describe('PDF object parser', () => {
  it('parses dictionaries, arrays and references', () => {
    const { value } = parseValueAt(
      Buffer.from('<< /Kids [1 0 R 2 0 R 3] /Count 3 /T (x) /N null /B true >>'),
      0,
    );
    expect(value).to.be.instanceOf(PdfDict);
    const dict = value as PdfDict;
    expect(dict.get('Kids')).to.deep.equal([new PdfRef(1, 0), new PdfRef(2, 0), 3]);
    expect(dict.get('Count')).to.equal(3);
    expect((dict.get('T') as PdfString).bytes.toString()).to.equal('x');
    expect(dict.get('N')).to.equal(null);
    expect(dict.get('B')).to.equal(true);
  });

  it('tolerates a missing value and an unclosed dictionary', () => {
    const { value } = parseValueAt(Buffer.from('<< /A /B 1 /C >> '), 0);
    expect([...(value as PdfDict).entries]).to.deep.equal([
      ['A', 'B'],
      ['C', null],
    ]);
    expect(() => parseValueAt(Buffer.from('<< /A 1'), 0)).not.to.throw();
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(() => parseValueAt(Buffer.from('['.repeat(10_000)), 0)).to.throw(/nest too deeply/);
  });
});
