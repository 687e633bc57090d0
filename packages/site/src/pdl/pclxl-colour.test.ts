/**
 * PCL XL per-page colour tests on hand-built jobs: a page is colour only when something is painted with a
 * colourful source (brush, pen, palette entry, pattern or image pixel); an RGB page painted in neutral greys is
 * mono; streams replay; what cannot be judged is null.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageAnalysis } from './pdl-types';
import { analysePclXl } from './pclxl';
import {
  Attr,
  COMPRESS_NONE,
  COMPRESS_RLE,
  ELEMENT_REAL32,
  ELEMENT_SINT16,
  ELEMENT_UBYTE,
  ELEMENT_UINT16,
  ELEMENT_UINT32,
  Op,
} from './pclxl-tags';
import { PclXlWriter } from './pclxl-writer';

const GRAY = 1;
const RGB = 2;
let dir = '';
let jobs = 0;

async function analyse(bytes: Buffer): Promise<LanguageAnalysis> {
  jobs += 1;
  const path = join(dir, `colour-${jobs}.pxl`);
  await writeFile(path, bytes);
  return analysePclXl(
    { path, offset: 0, length: bytes.length },
    { deadline: Date.now() + 10_000, maxBufferBytes: 1 << 20 },
  );
}

/** Colour of each page of a job whose pages are built by `pages` (each function paints one page). */
async function colours(...pages: ((w: PclXlWriter) => void)[]): Promise<(boolean | null)[]> {
  const w = new PclXlWriter().header().beginSession();
  for (const page of pages) {
    w.beginPage({ media: 2 });
    page(w);
    w.endPage();
  }
  const result = await analyse(w.endSession().bytes());
  expect(result.pages).to.have.length(pages.length);
  return result.pages.map((p) => p.color);
}

interface ImageOptions {
  indexed?: boolean;
  depth?: number;
  width: number;
  height: number;
  compress?: number;
  data: number[];
  pattern?: { id: number; persistence: number };
}

/** BeginImage (or BeginRastPattern) / Read / End with 8-bit samples by default. */
function image(w: PclXlWriter, o: ImageOptions): void {
  w.ubyte(o.depth ?? 2)
    .attr(Attr.ColorDepth)
    .ubyte(o.indexed ? 1 : 0)
    .attr(Attr.ColorMapping);
  w.uint16(o.width).attr(Attr.SourceWidth).uint16(o.height).attr(Attr.SourceHeight);
  w.xy(ELEMENT_UINT16, 300, 300).attr(Attr.DestinationSize);
  if (o.pattern) {
    w.value(ELEMENT_SINT16, o.pattern.id).attr(Attr.PatternDefineID);
    w.ubyte(o.pattern.persistence).attr(Attr.PatternPersistence);
  }
  w.op(o.pattern ? Op.BeginRastPattern : Op.BeginImage);
  w.uint16(0).attr(Attr.StartLine).uint16(o.height).attr(Attr.BlockHeight);
  w.ubyte(o.compress ?? COMPRESS_NONE)
    .attr(Attr.CompressMode)
    .op(o.pattern ? Op.ReadRastPattern : Op.ReadImage);
  w.data(Uint8Array.from(o.data)).op(o.pattern ? Op.EndRastPattern : Op.EndImage);
}

function rgbSource(
  w: PclXlWriter,
  type: number,
  values: number[],
  op: number = Op.SetBrushSource,
): PclXlWriter {
  return w.array(type, values).attr(Attr.RGBColor).op(op);
}

function defineStream(w: PclXlWriter, name: string, body: Buffer): PclXlWriter {
  w.text(name).attr(Attr.StreamName).op(Op.BeginStream);
  w.value(ELEMENT_UINT32, body.length).attr(Attr.StreamDataLength).op(Op.ReadStream).data(body, true);
  return w.op(Op.EndStream);
}

describe('PCL XL analyser: colour per page', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quire-pclxl-colour-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an RGB page painted only in neutral greys is mono; a colourful brush that paints is colour', async () => {
    expect(
      await colours(
        (w) => w.colourSpace(RGB).rgbBrush(128, 128, 128).rectangle().op(Op.Text),
        (w) => w.colourSpace(RGB).rgbBrush(255, 0, 0).rectangle(),
        (w) => w.colourSpace(GRAY).greyBrush(30).rectangle(),
      ),
    ).to.deep.equal([false, true, false]);
  });

  it('a colour that is set but never painted with does not count', async () => {
    expect(
      await colours(
        (w) => w.colourSpace(RGB).rgbBrush(0, 0, 255),
        (w) =>
          w
            .colourSpace(RGB)
            .rgbBrush(0, 0, 255)
            .ubyte(0)
            .attr(Attr.NullBrush)
            .op(Op.SetBrushSource)
            .rectangle(),
      ),
    ).to.deep.equal([false, false]);
  });

  it('the pen counts for shapes and paths, not for text', async () => {
    const redPen = (w: PclXlWriter) =>
      rgbSource(w.colourSpace(RGB), ELEMENT_UBYTE, [200, 0, 0], Op.SetPenSource);
    expect(
      await colours(
        (w) => redPen(w).ubyte(0).attr(Attr.NullBrush).op(Op.SetBrushSource).rectangle(),
        (w) => redPen(w).op(Op.Text),
        (w) => redPen(w).op(Op.NewPath).op(Op.LinePath).op(Op.PaintPath),
      ),
    ).to.deep.equal([true, false, true]);
  });

  it('PaintPath paints only a path that has segments since NewPath', async () => {
    expect(
      await colours(
        (w) => w.colourSpace(RGB).rgbBrush(0, 255, 0).op(Op.NewPath).op(Op.PaintPath),
        (w) => w.colourSpace(RGB).rgbBrush(0, 255, 0).op(Op.RectanglePath).op(Op.NewPath).op(Op.PaintPath),
        (w) => w.colourSpace(RGB).rgbBrush(0, 255, 0).op(Op.NewPath).op(Op.BezierPath).op(Op.PaintPath),
      ),
    ).to.deep.equal([false, false, true]);
  });

  it('compares real and 16-bit colours after scaling them to 8 bits', async () => {
    expect(
      await colours(
        (w) => rgbSource(w.colourSpace(RGB), ELEMENT_REAL32, [0.5, 0.5, 0.5000001]).rectangle(),
        (w) => rgbSource(w.colourSpace(RGB), ELEMENT_REAL32, [0.5, 0.5, 0.6]).rectangle(),
        (w) => rgbSource(w.colourSpace(RGB), ELEMENT_UBYTE, [128, 130, 133]).rectangle(),
        (w) => rgbSource(w.colourSpace(RGB), ELEMENT_UINT16, [65535, 65535, 65535]).rectangle(),
        (w) => rgbSource(w.colourSpace(RGB), ELEMENT_UINT16, [65535, 0, 0]).rectangle(),
        (w) =>
          w
            .colourSpace(RGB)
            .ubyte(8)
            .attr(Attr.PrimaryDepth)
            .array(ELEMENT_UBYTE, [10, 20, 30])
            .attr(Attr.PrimaryArray)
            .op(Op.SetBrushSource)
            .rectangle(),
      ),
    ).to.deep.equal([false, true, false, false, true, true]);
  });

  it('PopGS restores the brush, and every page starts with a black brush', async () => {
    expect(
      await colours(
        (w) =>
          w.colourSpace(RGB).rgbBrush(255, 0, 0).op(Op.PushGS).rgbBrush(9, 9, 9).op(Op.PopGS).rectangle(),
        (w) => w.rectangle(),
        (w) => w.colourSpace(RGB).op(Op.PushGS).rgbBrush(255, 0, 0).op(Op.PopGS).rectangle(),
      ),
    ).to.deep.equal([true, false, false]);
  });

  it('a palette entry is colourful when its channels differ', async () => {
    const palette = [0, 0, 0, 128, 128, 128, 255, 0, 0, 255, 255, 255];
    expect(
      await colours(
        (w) => w.colourSpace(RGB, palette).greyBrush(1).rectangle(),
        (w) => w.colourSpace(RGB, palette).greyBrush(2).rectangle(),
      ),
    ).to.deep.equal([false, true]);
  });

  it('judges images by their pixels, not by the colour space', async () => {
    const grey = [7, 7, 7, 9, 9, 9, 0, 0];
    const colour = [7, 7, 7, 9, 9, 80, 0, 0];
    const palette = [0, 0, 0, 200, 200, 200, 0, 0, 255, 255, 255, 255];
    expect(
      await colours(
        (w) => image(w.colourSpace(RGB), { width: 2, height: 1, data: grey }),
        (w) => image(w.colourSpace(RGB), { width: 2, height: 1, data: colour }),
        (w) =>
          image(w.colourSpace(RGB), {
            width: 2,
            height: 2,
            compress: COMPRESS_RLE,
            data: [0xf9, 5, 7, 1, 2, 90, 4, 4, 4, 0, 0],
          }),
        (w) => image(w.colourSpace(GRAY), { width: 8, height: 1, data: [1, 2, 3, 4, 5, 6, 7, 8] }),
        (w) => image(w.colourSpace(RGB, palette), { indexed: true, width: 4, height: 1, data: [0, 1, 3, 1] }),
        (w) => image(w.colourSpace(RGB, palette), { indexed: true, width: 4, height: 1, data: [0, 1, 2, 1] }),
      ),
    ).to.deep.equal([false, true, true, false, false, true]);
  });

  it('images paint the brush where the ROP3 uses the pattern (gs draws text as glyph images)', async () => {
    const glyph = (w: PclXlWriter, rop: number) => {
      w.colourSpace(RGB).rgbBrush(0, 0, 255).ubyte(rop).attr(Attr.ROP3).op(Op.SetROP);
      image(w.colourSpace(GRAY, [255, 0]), {
        indexed: true,
        depth: 0,
        width: 8,
        height: 1,
        data: [0x3c, 0, 0, 0],
      });
    };
    const colourImage = (w: PclXlWriter, rop: number) => {
      w.ubyte(rop).attr(Attr.ROP3).op(Op.SetROP);
      image(w.colourSpace(RGB), { width: 1, height: 1, data: [255, 0, 0, 0] });
    };
    expect(
      await colours(
        (w) => glyph(w, 0xfc),
        (w) => glyph(w, 0xcc),
        (w) => colourImage(w, 0xcc),
        (w) => colourImage(w, 0xf0),
      ),
    ).to.deep.equal([true, false, true, false]);
  });

  it('raster patterns paint in colour only with colourful pixels, and live as long as their persistence', async () => {
    const red = [255, 0, 0, 0];
    const grey = [90, 90, 90, 0];
    const select = (w: PclXlWriter, id: number) =>
      w.value(ELEMENT_SINT16, id).attr(Attr.PatternSelectID).op(Op.SetBrushSource).rectangle();
    expect(
      await colours(
        (w) => {
          w.colourSpace(RGB);
          image(w, { width: 1, height: 1, data: red, pattern: { id: 1, persistence: 1 } });
          image(w, { width: 1, height: 1, data: red, pattern: { id: 2, persistence: 2 } });
          image(w, { width: 1, height: 1, data: grey, pattern: { id: 3, persistence: 2 } });
          select(w, 3);
        },
        (w) => select(w, 1),
        (w) => select(w, 2),
      ),
    ).to.deep.equal([false, false, true]);
  });

  it('replays streams at ExecStream: their paint and their pages count', async () => {
    const paint = new PclXlWriter(true).header().colourSpace(RGB).rgbBrush(0, 0, 255).rectangle().bytes();
    const page = new PclXlWriter()
      .header()
      .beginPage({ media: 5 })
      .greyBrush(0)
      .rectangle()
      .endPage()
      .bytes();
    const w = new PclXlWriter().header().beginSession();
    defineStream(w, 'paint', paint);
    defineStream(w, 'page', page);
    w.beginPage({ media: 2 }).text('paint').attr(Attr.StreamName).op(Op.ExecStream).endPage();
    w.text('page')
      .attr(Attr.StreamName)
      .op(Op.ExecStream)
      .text('page')
      .attr(Attr.StreamName)
      .op(Op.ExecStream);
    const result = await analyse(w.endSession().bytes());
    expect(result.pages.map((p) => [p.paper, p.color])).to.deep.equal([
      ['iso_a4_210x297mm', true],
      ['iso_a3_297x420mm', false],
      ['iso_a3_297x420mm', false],
    ]);
    expect([result.partial, result.warnings]).to.deep.equal([false, []]);
  });

  it('reports streams it could not keep or find instead of guessing', async () => {
    const huge = new PclXlWriter().header().op(0x4a).data(Buffer.alloc(400_000)).bytes();
    const w = new PclXlWriter().header().beginSession();
    defineStream(w, 'huge', huge).beginPage().text('huge').attr(Attr.StreamName).op(Op.ExecStream).endPage();
    const dropped = await analyse(w.endSession().bytes());
    expect(dropped.pages.map((p) => p.color)).to.deep.equal([null]);
    expect(dropped.partial).to.equal(true);
    const missing = new PclXlWriter().header().beginSession().beginPage().text('nope').attr(Attr.StreamName);
    const undefinedStream = await analyse(missing.op(Op.ExecStream).endPage().endSession().bytes());
    expect([undefinedStream.pages.length, undefinedStream.partial]).to.deep.equal([0, true]);
    expect(undefinedStream.warnings.join()).to.match(/undefined stream "nope"/);
  });

  it('cannot judge PassThrough (PCL 5) data: the page colour is unknown', async () => {
    expect(
      await colours(
        (w) => w.op(Op.PassThrough).data(Buffer.from('\x1b*r1U', 'latin1')),
        (w) => w.colourSpace(RGB).rgbBrush(1, 2, 200).rectangle().op(Op.PassThrough).data(Buffer.of(1)),
      ),
    ).to.deep.equal([null, true]);
  });
});
