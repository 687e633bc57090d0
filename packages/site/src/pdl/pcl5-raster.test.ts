/**
 * Unit tests of the PCL raster decompressor: each method's byte layout (extended offsets and counts in delta
 * rows), seed rows kept per plane, missing planes, blank rows, and the changed spans handed to the listener.
 */
import { expect } from 'chai';
import { MAX_ROW_BYTES, RasterDecoder } from './pcl5-raster';

interface Row {
  planes: string[];
  from: number;
  to: number;
  spans: readonly number[];
}

function decode(planes: number, steps: [method: number, data: number[], last: boolean][]): Row[] {
  const decoder = new RasterDecoder();
  decoder.start(planes);
  const rows: Row[] = [];
  for (const [method, data, last] of steps) {
    decoder.compression = method;
    decoder.transfer(Uint8Array.from(data), last, (rowPlanes, spans) => {
      const [from, to] = [spans[0], spans[spans.length - 1]];
      const hex = rowPlanes.map((p) => Buffer.from(p.subarray(0, to)).toString('hex'));
      rows.push({ planes: hex, from, to, spans: [...spans] });
    });
  }
  return rows;
}

describe('RasterDecoder', () => {
  it('decodes unencoded, run-length and PackBits rows, zeroing what a shorter row leaves', () => {
    const rows = decode(1, [
      [0, [1, 2, 3, 4], true],
      [1, [2, 0xaa, 0, 0xbb], true],
      [2, [0x01, 7, 8, 0xfe, 9, 0x80], true],
    ]);
    expect(rows.map(({ planes, from, to }) => ({ planes, from, to }))).to.deep.equal([
      { planes: ['01020304'], from: 0, to: 4 },
      { planes: ['aaaaaabb'], from: 0, to: 4 },
      { planes: ['0708090909'], from: 0, to: 5 },
    ]);
  });

  it('applies delta rows on the seed, with offsets extended by 255-bytes, and reports only the change', () => {
    const base = Array.from({ length: 300 }, () => 0x11);
    const rows = decode(1, [
      [0, base, true],
      // Offset 31 + 255 + 10 = 296, two bytes.
      [3, [0x3f, 255, 10, 0xaa, 0xbb], true],
      // An empty delta row repeats the seed: nothing changes, nothing to report.
      [3, [], true],
    ]);
    expect(rows).to.have.length(2);
    expect(rows[1].spans).to.deep.equal([296, 298]);
    expect(rows[1].planes[0].slice(294 * 2)).to.equal('1111aabb');
  });

  it('reports separate spans for replacements far apart, and merges close ones', () => {
    const rows = decode(1, [
      [0, Array.from({ length: 64 }, () => 0), true],
      // Byte 1; byte 20 (offset 18 after byte 1's end); bytes 22-23 (offset 1): close to 20, merged.
      [3, [0x01, 0xaa, 0x12, 0xbb, 0x21, 0xcc, 0xdd], true],
    ]);
    expect(rows[1].spans).to.deep.equal([1, 2, 20, 24]);
  });

  it('applies replacement delta rows, literal and run-length, with extended counts', () => {
    const rows = decode(1, [
      [0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], true],
      // Literal: offset 2, count 0 + 1 byte.
      [9, [0x10, 0x55], true],
      // Run: offset 3 + 1 (extended), count 31 + 2 (extended) + 2 bytes of 0x77: the row grows to 39 bytes.
      [9, [0xff, 1, 2, 0x77], true],
    ]);
    expect(rows[1]).to.deep.include({ planes: ['000055'], spans: [2, 3] });
    expect(rows[2].from).to.equal(4);
    expect(rows[2].to).to.equal(39);
    expect(rows[2].planes[0]).to.equal(`00005500${'77'.repeat(35)}`);
  });

  it('keeps one seed per plane, and blanks the planes a row did not send', () => {
    const rows = decode(3, [
      [0, [0xf0], false],
      [0, [0x0f], false],
      [0, [0xff], true],
      [3, [0x00, 0x01], false],
      [0, [], true],
    ]);
    expect(rows[0]).to.deep.include({ planes: ['f0', '0f', 'ff'], spans: [0, 1] });
    expect(rows[1].planes).to.deep.equal(['01', '00', '00']);
  });

  it('decodes adaptive blocks row by row, and flags methods it cannot read', () => {
    const rows = decode(1, [[5, [0, 0, 2, 1, 2, 4, 0, 1, 5, 0, 3, 1, 0, 2, 1, 9], true]]);
    expect(rows.map((row) => row.planes[0])).to.deep.equal(['0102', '0000', '0909']);
    const decoder = new RasterDecoder();
    decoder.start(1);
    decoder.compression = 7;
    decoder.transfer(Uint8Array.of(1, 2), true, () => undefined);
    expect(decoder.unsupported).to.equal(true);
  });

  it('cuts rows at the size limit instead of growing without bound', () => {
    const rows = decode(1, [[1, Array.from({ length: 1200 }, (_, i) => (i % 2 ? 0x55 : 255)), true]]);
    expect(rows[0].to).to.equal(MAX_ROW_BYTES);
  });
});
