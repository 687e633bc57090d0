/**
 * Stream filters: the spec's own LZW and ASCII85 examples, predictors, and the byte cap that defuses zip bombs
 * while keeping the bytes decoded before the cap or the damage.
 */
import zlib from 'node:zlib';
import { expect } from 'chai';
import { decodeFilters, decodeFiltersSync } from './pdf-filters';
import { unpredict } from './pdf-predictor';

const step = (name: string) => ({ name, parms: null });

describe('PDF stream filters', () => {
  it('decodes LZW, ASCII85 and ASCIIHex as ISO 32000-1 shows', async () => {
    const lzw = await decodeFilters(
      Buffer.from([0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01]),
      [step('LZWDecode')],
      100,
    );
    expect(lzw.data.toString('latin1')).to.equal('-----A---B');
    const a85 = await decodeFilters(Buffer.from('9jqo^BlbD-BleB1DJ+*+F(f,q~>'), [step('ASCII85Decode')], 100);
    expect(a85.data.toString('latin1')).to.equal('Man is distinguished');
    const hex = await decodeFilters(Buffer.from('48 65 6c6c 6f>'), [step('AHx')], 100);
    expect(hex.data.toString('latin1')).to.equal('Hello');
  });

  it('chains filters in order and names the first one it does not decode', async () => {
    const data = Buffer.from(zlib.deflateSync(Buffer.from('0 g')).toString('hex'));
    const chained = await decodeFilters(data, [step('ASCIIHexDecode'), step('FlateDecode')], 100);
    expect(chained.data.toString()).to.equal('0 g');
    const jpeg = await decodeFilters(data, [step('ASCIIHexDecode'), step('DCTDecode')], 100);
    expect(jpeg.unsupported).to.equal('DCTDecode');
  });

  it('stops a deflate bomb at the cap and keeps what decoded before damage', async () => {
    const bomb = zlib.deflateSync(Buffer.alloc(50 * 1024 * 1024));
    const capped = await decodeFilters(bomb, [step('FlateDecode')], 1024 * 1024);
    expect(capped.truncated).to.equal(true);
    expect(capped.data.length).to.equal(1024 * 1024);
    const text = zlib.deflateSync(Buffer.from('q 1 0 0 rg 0 0 9 9 re f Q '.repeat(200)));
    const damaged = Buffer.concat([text.subarray(0, text.length - 20), Buffer.from('garbage garbage')]);
    const salvaged = await decodeFilters(damaged, [step('FlateDecode')], 1 << 20);
    expect(salvaged.data.toString().startsWith('q 1 0 0 rg')).to.equal(true);
  });

  it('decodes the same chains synchronously, and counts Flate data past the cap as damaged', async () => {
    const data = Buffer.from(zlib.deflateSync(Buffer.from('0 g')).toString('hex'));
    const steps = [step('AHx'), step('Fl')];
    expect(decodeFiltersSync(data, steps, 100)).to.deep.equal(await decodeFilters(data, steps, 100));
    const lzw = decodeFiltersSync(
      Buffer.from([0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01]),
      [step('LZW')],
      100,
    );
    expect(lzw.data.toString('latin1')).to.equal('-----A---B');
    expect(decodeFiltersSync(data, [step('AHx'), step('DCT')], 100).unsupported).to.equal('DCTDecode');
    const bomb = decodeFiltersSync(zlib.deflateSync(Buffer.alloc(1024 * 1024)), [step('FlateDecode')], 1024);
    expect([bomb.damaged, bomb.data.length]).to.deep.equal([true, 0]);
  });

  it('undoes PNG Up and Paeth rows', () => {
    const params = { predictor: 12, colors: 1, bitsPerComponent: 8, columns: 3 };
    expect([...unpredict(Buffer.from([2, 1, 2, 3, 2, 1, 1, 1]), params)]).to.deep.equal([1, 2, 3, 2, 3, 4]);
    expect([...unpredict(Buffer.from([4, 5, 1, 1]), params)]).to.deep.equal([5, 6, 7]);
  });
});
