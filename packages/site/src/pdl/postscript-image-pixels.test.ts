/**
 * RGB and CMYK images in PostScript jobs judged by their pixels: `colorimage` and dictionary `image` with their
 * samples in a string, read from the job raw, as hex or through ASCII85/Flate filters, and the inline images and
 * image XObjects of ghostscript's ps2write output (A85 and LZW, as gs writes a grey shading). A grey image is
 * mono, a colour one colour; data that cannot be decoded, or is cut short, keeps the colour space's verdict.
 */
import zlib from 'node:zlib';
import { expect } from 'chai';
import { type LanguageAnalysis } from './pdl-types';
import { analysePostScript } from './postscript';

async function analyse(job: string | Buffer): Promise<LanguageAnalysis> {
  const bytes = typeof job === 'string' ? Buffer.from(job, 'latin1') : job;
  const limits = { deadline: Date.now() + 10_000, maxBufferBytes: 16 * 1024 * 1024 };
  return analysePostScript({ path: '', offset: 0, length: bytes.length, bytes }, limits);
}

const colours = (result: LanguageAnalysis) => result.pages.map((page) => page.color);

/** 4×4 pixels of `components` bytes each; `colour` makes one pixel in the middle red (or cyan). */
function pixels(components: 3 | 4, colour: boolean): Buffer {
  const data = Buffer.alloc(16 * components);
  for (let i = 0; i < 16; i += 1) {
    const level = i * 16;
    // RGB grey is equal channels; CMYK grey is black ink only.
    if (components === 3) data.fill(level, i * 3, i * 3 + 3);
    else data[i * 4 + 3] = level;
  }
  if (colour) data[9 * components] = 255;
  return data;
}

/** ASCII85 (PLRM §3.13.3), without the `z` shorthand, ended by `~>`. */
function ascii85(data: Buffer): string {
  let out = '';
  for (let at = 0; at < data.length; at += 4) {
    const group = Buffer.alloc(4);
    data.copy(group, 0, at, Math.min(at + 4, data.length));
    let value = group.readUInt32BE(0);
    const digits: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      digits.unshift(String.fromCharCode(33 + (value % 85)));
      value = Math.floor(value / 85);
    }
    out += digits.join('').slice(0, Math.min(4, data.length - at) + 1);
  }
  return `${out}~>`;
}

/** LZW with literal codes only (a clear code every 200 bytes keeps them 9 bits wide): valid for any decoder. */
function lzw(data: Buffer): Buffer {
  const codes: number[] = [];
  data.forEach((byte, i) => {
    if (i % 200 === 0) codes.push(256);
    codes.push(byte);
  });
  codes.push(257);
  const out = Buffer.alloc(Math.ceil((codes.length * 9) / 8));
  codes.forEach((code, i) => {
    for (let bit = 0; bit < 9; bit += 1) {
      if ((code >> (8 - bit)) & 1) out[(i * 9 + bit) >> 3] |= 0x80 >> ((i * 9 + bit) & 7);
    }
  });
  return out;
}

const page = (body: string) => `%!PS\n${body}\nshowpage\n`;
const HEADER = '4 4 8 [4 0 0 -4 0 4]';

describe('PostScript images judged by their pixels', () => {
  it('counts a grey RGB colorimage mono and a colour one colour', async () => {
    const job = [
      `${HEADER} {<${pixels(3, false).toString('hex')}>} false 3 colorimage showpage`,
      `${HEADER} {<${pixels(3, true).toString('hex')}>} false 3 colorimage showpage`,
      `/grey <${pixels(3, false).toString('hex')}> def ${HEADER} { grey } false 3 colorimage showpage`,
    ].join('\n');
    expect(colours(await analyse(`%!PS\n${job}\n`))).to.deep.equal([false, true, false]);
  });

  it('reads the samples of a procedure that returns a short string again and again', async () => {
    const row = pixels(3, false).subarray(0, 12).toString('hex');
    const shifted = Buffer.from([10, 10, 10, 200, 200]).toString('hex');
    const job = `%!PS\n${HEADER} {<${row}>} false 3 colorimage showpage\n${HEADER} {<${shifted}>} false 3 colorimage showpage\n`;
    // Five bytes repeated put the pixel boundaries elsewhere each time: (10,10,10) (200,200,10) … is colour.
    expect(colours(await analyse(job))).to.deep.equal([false, true]);
  });

  it('reads hexadecimal and binary data the program reads from itself, and the tokens after it', async () => {
    const grey = pixels(3, false);
    const colour = pixels(3, true);
    const hexJob = (data: Buffer) =>
      `/s 12 string def ${HEADER} { currentfile s readhexstring pop } false 3 colorimage\n${data.toString('hex')}\nshowpage\n`;
    expect(colours(await analyse(`%!PS\n${hexJob(grey)}${hexJob(colour)}`))).to.deep.equal([false, true]);
    const binary = (data: Buffer) =>
      Buffer.concat([
        Buffer.from(`/s 12 string def ${HEADER} { currentfile s readstring pop } false 3 colorimage\n`),
        data,
        Buffer.from('\nshowpage\n'),
      ]);
    const job = Buffer.concat([Buffer.from('%!PS\n'), binary(grey), binary(colour)]);
    expect(colours(await analyse(job))).to.deep.equal([false, true]);
  });

  it('decodes filtered data of the dictionary form, in RGB and CMYK, with a Decode array', async () => {
    const image = (space: string, data: Buffer, decode = '') =>
      `/Device${space} setcolorspace << /ImageType 1 /Width 4 /Height 4 /BitsPerComponent 8 ${decode}` +
      '/ImageMatrix [4 0 0 -4 0 4] /DataSource currentfile /ASCII85Decode filter /FlateDecode filter >> image\n' +
      `${ascii85(zlib.deflateSync(data))}\nshowpage\n`;
    const job = [
      image('RGB', pixels(3, false)),
      image('RGB', pixels(3, true)),
      image('CMYK', pixels(4, false)),
      image('CMYK', pixels(4, true)),
      // Inverting one channel only turns every grey pixel but the middle one into a colour.
      image('RGB', pixels(3, false), '/Decode [1 0 0 1 0 1] '),
    ].join('');
    expect(colours(await analyse(`%!PS\n${job}`))).to.deep.equal([false, true, false, true, true]);
  });

  it('keeps judging by colour space what it cannot decode or see whole', async () => {
    const grey = pixels(3, false);
    const jobs = [
      // A lossy filter, and filter parameters the analyser does not keep.
      `${HEADER} currentfile /ASCII85Decode filter /DCTDecode filter false 3 colorimage\n${ascii85(grey)}\n`,
      `${HEADER} currentfile /ASCII85Decode filter << /Predictor 1 >> /FlateDecode filter false 3 colorimage\n${ascii85(zlib.deflateSync(grey))}\n`,
      // Too few samples for the image in the job's data (a string would be read again from its start).
      `${HEADER} currentfile /ASCII85Decode filter false 3 colorimage\n${ascii85(grey.subarray(0, 30))}\n`,
      // Samples made at run time, and several sources.
      `/s 48 string def ${HEADER} { s } false 3 colorimage`,
      `${HEADER} {<00>} {<00>} {<00>} true 3 colorimage`,
    ];
    for (const job of jobs) expect(colours(await analyse(page(job))), job).to.deep.equal([true]);
  });

  it('counts an image colour when its page ends before its data is read, or the job ends in it', async () => {
    const grey = pixels(3, false).toString('hex');
    const inProcedure = `/s 12 string def /img { ${HEADER} { currentfile s readhexstring pop } false 3 colorimage showpage } def img\n${grey}\n`;
    expect(colours(await analyse(`%!PS\n${inProcedure}`))).to.deep.equal([true]);
    const truncated = await analyse(
      `%!PS-Adobe-3.0\n%%Page: 1 1\n/s 12 string def ${HEADER} { currentfile s readhexstring pop } false 3 colorimage\n${grey.slice(0, 40)}`,
    );
    expect(colours(truncated)).to.deep.equal([true]);
  });
});

/** A ps2write-like job: DSC pages, each a page object and its content stream, after `objects`. */
function ps2write(objects: string, contents: string[], resources = ''): string {
  const pages = contents.map((content, i) => {
    const body = `${content}\n`;
    return [
      `%%Page: ${i + 1} ${i + 1}`,
      `${10 + 2 * i} 0 obj\n<</Type/Page/MediaBox [0 0 595 842]${resources}/Contents ${11 + 2 * i} 0 R>>\nendobj`,
      `${11 + 2 * i} 0 obj\n<</Length ${body.length}>>stream\n${body}endstream\nendobj`,
    ].join('\n');
  });
  return [
    '%!PS-Adobe-3.0',
    '%%Creator: GPL Ghostscript 10000 (ps2write)',
    `%%Pages: ${contents.length}`,
    '%%EndComments',
    objects,
    ...pages,
    '%%Trailer',
    '%%EOF',
    '',
  ].join('\n');
}

describe('ps2write images judged by their pixels', () => {
  const inline = (data: Buffer, space = 'RGB') =>
    `q BI\n/CS/${space}\n/W 4\n/H 4\n/BPC 8\n/F[/A85\n/LZW]\nID\n${ascii85(lzw(data))}\nEI Q`;

  it('counts a grey RGB inline image (A85 and LZW, as gs writes a shading) mono, a colour one colour', async () => {
    const job = ps2write('', [
      inline(pixels(3, false)),
      inline(pixels(3, true)),
      inline(pixels(4, false), 'CMYK'),
    ]);
    const result = await analyse(job);
    expect(colours(result)).to.deep.equal([false, true, false]);
    expect(result.warnings).to.deep.equal([]);
  });

  it('judges an image XObject by the pixels of its stream, read before the page that draws it', async () => {
    const xobject = (num: number, data: Buffer) => {
      const stream = `${data.toString('hex')}>`;
      return (
        `${num} 0 obj\n<</Type/XObject/Subtype/Image/Width 4/Height 4/BitsPerComponent 8/ColorSpace/DeviceRGB` +
        `/Filter/ASCIIHexDecode/Length ${stream.length}>>stream\n${stream}\nendstream\nendobj`
      );
    };
    const objects = `${xobject(6, pixels(3, false))}\n${xobject(7, pixels(3, true))}`;
    const resources = '/Resources<</XObject<</Grey 6 0 R/Colour 7 0 R>>>>';
    const job = ps2write(objects, ['q /Grey Do Q', 'q /Colour Do Q', 'q /Grey Do /Colour Do Q'], resources);
    expect(colours(await analyse(job))).to.deep.equal([false, true, true]);
  });
});
