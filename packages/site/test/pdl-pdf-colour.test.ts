/**
 * Per-page colour in standard mode, on hand-written one-page PDFs: each test paints with one construct (a colour
 * operator, a colour space, an image, a shading, a pattern, a form) and checks the verdict, including the cases
 * where colour is set but nothing is painted with it, or an RGB image is proven grey by its pixels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { analysePdf } from '../src/pdl/pdf';
import { PdfBuilder, streamBody, writePdf } from './pdl-pdf-builder';

type Extra = [number, string | Buffer];

const ICC_RGB: Extra = [60, streamBody('/N 3', 'fake profile')];
const RGB_PALETTE_GREY_AND_RED = '[/Indexed /DeviceRGB 2 <000000 808080 FF0000>]';

function grid(pixels: number[][]): Buffer {
  return Buffer.from(pixels.flat());
}

function image(dict: string, data: Buffer, raw = false): Buffer {
  return streamBody(`/Type /XObject /Subtype /Image ${dict}`, data, {
    raw,
    filter: raw ? 'DCTDecode' : undefined,
  });
}

describe('PDF reader: page colour (standard mode)', () => {
  let dir: string;
  let counter = 0;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdf-colour-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The colour verdict and warnings of a one-page document. */
  async function verdict(
    content: string | Buffer,
    resources = '',
    extra: Extra[] = [],
    contents = '4 0 R',
    maxBufferBytes = 16 * 1024 * 1024,
  ) {
    const builder = new PdfBuilder()
      .add(1, '<< /Type /Catalog /Pages 2 0 R >>')
      .add(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')
      .add(
        3,
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << ${resources} >> /Contents ${contents} >>`,
      )
      .add(4, typeof content === 'string' ? streamBody('', content) : content);
    for (const [num, body] of extra) builder.add(num, body);
    counter += 1;
    const bytes = builder.build(1);
    const result = await analysePdf(writePdf(path.join(dir, `c-${counter}.pdf`), bytes), {
      deadline: Date.now() + 20_000,
      maxBufferBytes,
    });
    expect(result.pages).to.have.length(1);
    return { color: result.pages[0].color, warnings: result.warnings.join(' ') };
  }
  const colourOf = async (
    content: string | Buffer,
    resources = '',
    extra: Extra[] = [],
    contents = '4 0 R',
  ) => (await verdict(content, resources, extra, contents)).color;

  it('grey and black operators are mono; RGB with unequal components and CMY ink are colour', async () => {
    expect(await colourOf('0 g 0 0 9 9 re f 1 g 0 0 9 9 re f 0.5 G 0 0 m 9 9 l S')).to.equal(false);
    expect(await colourOf('0.5 0.5 0.5 rg 0 0 9 9 re f 0 0 0 1 k 0 0 9 9 re f')).to.equal(false);
    expect(await colourOf('0.5 0.5 0.52 rg 0 0 9 9 re f')).to.equal(true);
    expect(await colourOf('0 0 0.1 0.5 K 0 0 m 9 9 l S')).to.equal(true);
  });

  it('counts colour only when something is painted with it', async () => {
    expect(await colourOf('1 0 0 rg 0 0 9 9 re n 0 g 0 0 9 9 re f')).to.equal(false);
    expect(await colourOf('q 1 0 0 rg Q 0 0 9 9 re f')).to.equal(false);
    expect(await colourOf('1 0 0 RG 0 0 9 9 re f')).to.equal(false);
    expect(await colourOf('BT 1 0 0 rg /F1 12 Tf 3 Tr (invisible OCR text) Tj ET')).to.equal(false);
    expect(await colourOf('BT 1 0 0 rg /F1 12 Tf [(visible) -20 (text)] TJ ET')).to.equal(true);
    expect(await colourOf('BT 0 0 1 RG /F1 12 Tf 1 Tr (outlined) Tj ET')).to.equal(true);
  });

  it('judges sc/scn by the current colour space', async () => {
    const spaces = `/ColorSpace << /ICC [/ICCBased 60 0 R] /Pal ${RGB_PALETTE_GREY_AND_RED} /Cyan [/Separation /Cyan /DeviceCMYK 61 0 R]
      /All [/Separation /All /DeviceCMYK 61 0 R] /N [/DeviceN [/Black /Cyan] /DeviceCMYK 61 0 R] /L [/Lab << /WhitePoint [0.95 1 1.09] >>] >>`;
    const fn: Extra = [61, '<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [1 0 0 0] /N 1 >>'];
    const extra = [ICC_RGB, fn];
    expect(await colourOf('/ICC cs 0.2 0.2 0.2 sc 0 0 9 9 re f', spaces, extra)).to.equal(false);
    expect(await colourOf('/ICC CS 0.2 0.3 0.2 SCN 0 0 m 9 9 l S', spaces, extra)).to.equal(true);
    expect(await colourOf('/Pal cs 1 sc 0 0 9 9 re f', spaces, extra)).to.equal(false);
    expect(await colourOf('/Pal cs 2 sc 0 0 9 9 re f', spaces, extra)).to.equal(true);
    expect(await colourOf('/Cyan cs 0 scn 0 0 9 9 re f', spaces, extra)).to.equal(false);
    expect(await colourOf('/Cyan cs 0 0 9 9 re f', spaces, extra)).to.equal(true);
    expect(await colourOf('/All cs 1 scn 0 0 9 9 re f', spaces, extra)).to.equal(false);
    expect(await colourOf('/N cs 1 0 scn 0 0 9 9 re f', spaces, extra)).to.equal(false);
    expect(await colourOf('/N cs 0 0.5 scn 0 0 9 9 re f', spaces, extra)).to.equal(true);
    expect(await colourOf('/L cs 50 0 0 sc 0 0 9 9 re f', spaces, extra)).to.equal(false);
    expect(await colourOf('/L cs 50 20 0 sc 0 0 9 9 re f', spaces, extra)).to.equal(true);
    const unknown = await verdict('/Missing cs 1 sc 0 0 9 9 re f', spaces, extra);
    expect(unknown.color).to.equal(null);
    expect(unknown.warnings).to.match(/cannot interpret/);
  });

  it('proves lossless RGB and Indexed images grey by their pixels, and trusts the space for JPEG', async () => {
    const greyRgb = grid([
      [10, 10, 10],
      [200, 200, 200],
      [7, 7, 7],
      [255, 255, 255],
    ]);
    const oneRedPixel = grid([
      [10, 10, 10],
      [200, 200, 200],
      [7, 7, 7],
      [255, 0, 0],
    ]);
    const rgb = '/Width 2 /Height 2 /BitsPerComponent 8 /ColorSpace /DeviceRGB';
    const xobject = '/XObject << /Im0 50 0 R >>';
    expect(await colourOf('q 9 0 0 9 0 0 cm /Im0 Do Q', xobject, [[50, image(rgb, greyRgb)]])).to.equal(
      false,
    );
    expect(await colourOf('/Im0 Do', xobject, [[50, image(rgb, oneRedPixel)]])).to.equal(true);
    expect(
      await colourOf('/Im0 Do', xobject, [[50, image(rgb, Buffer.from([0xff, 0xd8, 0xff]), true)]]),
    ).to.equal(true);
    const greyJpeg = image(
      '/Width 2 /Height 2 /BitsPerComponent 8 /ColorSpace /DeviceGray',
      Buffer.from([0xff, 0xd8]),
      true,
    );
    expect(await colourOf('/Im0 Do', xobject, [[50, greyJpeg]])).to.equal(false);
    // 4-bit indices 0 and 1 (black, grey) on a palette that also holds red: only grey entries are used.
    const indexed = `/Width 3 /Height 2 /BitsPerComponent 4 /ColorSpace ${RGB_PALETTE_GREY_AND_RED}`;
    expect(
      await colourOf('/Im0 Do', xobject, [[50, image(indexed, Buffer.from([0x01, 0x00, 0x10, 0x0f]))]]),
    ).to.equal(false);
    expect(
      await colourOf('/Im0 Do', xobject, [[50, image(indexed, Buffer.from([0x01, 0x20, 0x10, 0x00]))]]),
    ).to.equal(true);
  });

  it('undoes PNG predictors before judging image pixels', async () => {
    // Two rows of 2 grey pixels: row 0 with Sub filter, row 1 with Up filter.
    const rows = Buffer.from([1, 50, 50, 50, 10, 10, 10, 2, 5, 5, 5, 0, 0, 0]);
    const dict =
      '/Width 2 /Height 2 /BitsPerComponent 8 /ColorSpace /DeviceRGB /DecodeParms << /Predictor 15 /Colors 3 /Columns 2 >>';
    expect(await colourOf('/Im0 Do', '/XObject << /Im0 50 0 R >>', [[50, image(dict, rows)]])).to.equal(
      false,
    );
  });

  it('paints image masks and uncoloured things in the current fill colour', async () => {
    const mask = image('/Width 8 /Height 1 /ImageMask true', Buffer.from([0xaa]));
    const xobject = '/XObject << /M 50 0 R >>';
    expect(await colourOf('0 0 1 rg /M Do', xobject, [[50, mask]])).to.equal(true);
    expect(await colourOf('0 g /M Do', xobject, [[50, mask]])).to.equal(false);
  });

  it('reads inline images, even with EI bytes inside their data', async () => {
    // The pixels spell a colour fill after a fake `EI`: reading them as operators would make the page colour.
    const trap = ' EI 1 0 0 rg 0 0 9 9 re f ';
    const grey = `q BI /W ${trap.length} /H 1 /CS /G /BPC 8 ID ${trap} EI Q 0 g 0 0 9 9 re f`;
    expect(await colourOf(grey)).to.equal(false);
    expect(await colourOf('BI /W 2 /H 1 /CS /RGB /BPC 8 ID EEEIII EI')).to.equal(false);
    expect(await colourOf('BI /W 2 /H 1 /CS /RGB /BPC 8 /F /AHx ID 454549 FF0000> EI')).to.equal(true);
    expect(await colourOf('BI /W 2 /H 1 /IM true ID \xc0 EI 1 0 0 rg')).to.equal(false);
    expect(await colourOf('1 0 0 rg BI /W 2 /H 1 /IM true ID \xc0 EI')).to.equal(true);
  });

  it('evaluates shadings and patterns', async () => {
    const axial = (c1: string) =>
      `<< /ShadingType 2 /ColorSpace /DeviceRGB /Coords [0 0 1 0] /Function << /FunctionType 2 /Domain [0 1] /C0 [0 0 0] /C1 [${c1}] /N 1 >> >>`;
    const shadings = '/Shading << /Sh 50 0 R >>';
    expect(await colourOf('/Sh sh', shadings, [[50, axial('1 1 1')]])).to.equal(false);
    expect(await colourOf('/Sh sh', shadings, [[50, axial('1 0 0')]])).to.equal(true);
    const patterns = '/Pattern << /P0 51 0 R /P1 52 0 R /P2 53 0 R >>';
    const extra: Extra[] = [
      [50, axial('1 0 0')],
      [51, '<< /PatternType 2 /Shading 50 0 R >>'],
      [
        52,
        streamBody(
          '/PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 5 5] /XStep 5 /YStep 5 /Resources << >>',
          '1 0 0 rg 0 0 5 5 re f',
        ),
      ],
      [
        53,
        streamBody(
          '/PatternType 1 /PaintType 2 /TilingType 1 /BBox [0 0 5 5] /XStep 5 /YStep 5',
          '0 0 5 5 re f',
        ),
      ],
    ];
    expect(await colourOf('/Pattern cs /P0 scn 0 0 9 9 re f', patterns, extra)).to.equal(true);
    expect(await colourOf('/Pattern cs /P1 scn 0 0 9 9 re f', patterns, extra)).to.equal(true);
    const uncoloured = `${patterns} /ColorSpace << /PR [/Pattern /DeviceRGB] >>`;
    expect(await colourOf('/PR cs 0.5 0.5 0.5 /P2 scn 0 0 9 9 re f', uncoloured, extra)).to.equal(false);
    expect(await colourOf('/PR cs 0 0 1 /P2 scn 0 0 9 9 re f', uncoloured, extra)).to.equal(true);
  });

  it('recurses into forms with the colour they inherit, and survives a form that paints itself', async () => {
    const forms = '/XObject << /Fm 50 0 R /Self 51 0 R /Outer 52 0 R >>';
    const extra: Extra[] = [
      [50, streamBody('/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << >>', '0 0 9 9 re f')],
      [
        51,
        streamBody(
          '/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /Self 51 0 R >> >>',
          '/Self Do 0 g 0 0 1 1 re f',
        ),
      ],
      [
        52,
        streamBody(
          '/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /Fm 50 0 R >> >>',
          'q 0 g /Fm Do Q /Fm Do',
        ),
      ],
    ];
    expect(await colourOf('1 0 0 rg /Fm Do', forms, extra)).to.equal(true);
    expect(await colourOf('0.3 g /Fm Do', forms, extra)).to.equal(false);
    expect(await colourOf('0 0 1 rg /Outer Do', forms, extra)).to.equal(true);
    const self = await verdict('/Self Do', forms, extra);
    expect(self.color).to.equal(false);
    expect(self.warnings).to.match(/paints itself/);
  });

  it('scans a content stream many times larger than the memory budget to its end', async () => {
    const grey = '0 g 10 10 m 20 20 l S 0.5 0.5 0.5 rg 0 0 9 9 re f\n'.repeat(400_000);
    const budget = 1024 * 1024;
    const mono = await verdict(grey, '', [], '4 0 R', budget);
    expect(mono).to.deep.equal({ color: false, warnings: '' });
    const colourAtTheEnd = await verdict(`${grey}0 0 1 rg 0 0 9 9 re f`, '', [], '4 0 R', budget);
    expect(colourAtTheEnd.color).to.equal(true);
  });

  it('decodes ASCII85, LZW and arrays of content streams; an unknown filter leaves the colour unknown', async () => {
    // "-----A---B" LZW-coded (ISO 32000-1 §7.4.4.2): harmless text, then a colour fill in a second stream.
    const lzw = Buffer.from([0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01]);
    const extra: Extra[] = [
      [5, streamBody('', lzw, { raw: true, filter: 'LZWDecode' })],
      [6, streamBody('', '0 0 1 rg 0 0 9 9 re f')],
      [7, streamBody('', '<~0H`%l0d(LL+>=ol+?:Q)+ED$9Ac~>', { raw: true, filter: 'ASCII85Decode' })],
    ];
    expect(await colourOf('', '', extra, '[5 0 R 4 0 R]')).to.equal(false);
    expect(await colourOf('', '', extra, '[5 0 R 6 0 R]')).to.equal(true);
    expect(await colourOf('', '', extra, '7 0 R')).to.equal(true);
    const unknownFilter = await verdict(streamBody('', '0 0 9 9 re f', { raw: true, filter: 'JBIG2Decode' }));
    expect(unknownFilter.color).to.equal(null);
    expect(unknownFilter.warnings).to.match(/JBIG2Decode filter/);
  });
});
