/**
 * The content-stream scanner on its own, with a resolver that answers from tables: painting rules, the graphics
 * state stack, and the inherited-colour marks that let a form's verdict be cached.
 */
import { expect } from 'chai';
import { PdfBudget } from './pdf-budget';
import { GREY, RGB, unknownSpace } from './pdf-colour';
import { scanContent } from './pdf-content';
import {
  COLOUR,
  combineMarks,
  INHERITED_FILL,
  INHERITED_STROKE,
  MARK_COLOUR,
  MARK_INHERITED_FILL,
  MARK_INHERITED_STROKE,
  MARK_UNKNOWN,
  MONO,
  type PaintResolver,
  UNKNOWN,
} from './pdf-paint';

const budget = new PdfBudget({ deadline: Date.now() + 60_000, maxBufferBytes: 1 << 20 });

const resolver: PaintResolver = {
  colourSpace: async (name) => (name === 'RGBSpace' ? RGB : unknownSpace(name)),
  pattern: async () => COLOUR,
  xobject: async (name) =>
    name === 'Photo' ? { kind: 'image', state: COLOUR } : { kind: 'form', marks: MARK_INHERITED_FILL },
  shading: async () => MONO,
  inlineImage: async () => 'stencil',
  warn: () => undefined,
};

function scan(content: string, fill = MONO, stroke = MONO): Promise<number> {
  return scanContent(Buffer.from(content, 'latin1'), resolver, { fill, stroke, space: GREY }, budget);
}

describe('PDF content scanner', () => {
  it('marks colour only when painting, and restores colour on Q', async () => {
    expect(await scan('1 0 0 rg 0 0 9 9 re n')).to.equal(0);
    expect(await scan('1 0 0 rg 0 0 9 9 re f')).to.equal(MARK_COLOUR);
    expect(await scan('q 1 0 0 rg Q 0 0 9 9 re f')).to.equal(0);
    expect(await scan('/RGBSpace cs 0 0.5 0 sc 0 0 9 9 re B')).to.equal(MARK_COLOUR);
    expect(await scan('/Odd cs 1 sc 0 0 9 9 re f')).to.equal(MARK_UNKNOWN);
    expect(await scan('Q Q Q 0 0 9 9 re f')).to.equal(0);
  });

  it('paints XObjects, shadings and inline image masks with the right colour', async () => {
    expect(await scan('/Photo Do')).to.equal(MARK_COLOUR);
    expect(await scan('/Sh sh')).to.equal(0);
    expect(await scan('0 1 0 rg /Form Do')).to.equal(MARK_COLOUR);
    expect(await scan('0.5 g /Form Do')).to.equal(0);
    expect(await scan('0 1 0 rg BI /W 1 /H 1 /IM true ID \x80 EI')).to.equal(MARK_COLOUR);
  });

  it('records painting with inherited colours as marks the caller resolves', async () => {
    const marks = await scan('0 0 9 9 re f 0 0 m 9 9 l S', INHERITED_FILL, INHERITED_STROKE);
    expect(marks).to.equal(MARK_INHERITED_FILL | MARK_INHERITED_STROKE);
    expect(combineMarks(marks, COLOUR, MONO)).to.equal(MARK_COLOUR);
    expect(combineMarks(marks, MONO, UNKNOWN)).to.equal(MARK_UNKNOWN);
    expect(combineMarks(marks, MONO, MONO)).to.equal(0);
  });

  it('gives the same verdicts when the content arrives in small chunks', async () => {
    const cases: [string, number][] = [
      ['q 0.5 0.5 0.5 rg 100 100 m 200 200 l f Q /RGBSpace cs 0 0.5 0 sc 0 0 9 9 re f', MARK_COLOUR],
      ['0.12345 0.12345 0.12345 rg 0 0 9 9 re f BI /W 4 /H 1 /IM true ID \xff\x00EI\x00 EI 1 0 0 rg', 0],
      ['1 0 0 rg BI /W 4 /H 1 /IM true ID \xff\x00EI\x00 EI', MARK_COLOUR],
      ['0 1 0 rg /Form Do', MARK_COLOUR],
    ];
    for (const [content, expected] of cases) {
      const bytes = Buffer.from(content, 'latin1');
      for (const size of [1, 2, 3, 7]) {
        const chunks = async function* () {
          for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
        };
        const marks = await scanContent(
          chunks(),
          resolver,
          { fill: MONO, stroke: MONO, space: GREY },
          budget,
        );
        expect(marks, `${content} in chunks of ${size}`).to.equal(expected);
      }
    }
  });

  it('stops at the deadline', async () => {
    const late = new PdfBudget({ deadline: Date.now() - 1, maxBufferBytes: 1 << 20 });
    const content = Buffer.from('0 g 0 0 9 9 re f\n'.repeat(1000));
    let stopped = false;
    await scanContent(content, resolver, { fill: MONO, stroke: MONO, space: GREY }, late).catch(
      () => (stopped = true),
    );
    expect(stopped).to.equal(true);
  });
});
