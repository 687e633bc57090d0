/**
 * Image colour probe tests: each compression decoded as ghostpcl does (padding dropped, RLE runs, delta-row
 * seeds and long offsets), neutral versus colourful pixels at every depth, palettes, JPEG frame headers, and
 * rows too wide to judge.
 */
import { expect } from 'chai';
import { JpegHeaderReader, RasterColourProbe, type RasterFormat, rowHasColour } from './pclxl-raster';
import { COMPRESS_DELTA_ROW, COMPRESS_JPEG, COMPRESS_NONE, COMPRESS_RLE } from './pclxl-tags';

const RGB8 = (width: number): RasterFormat => ({ components: 3, depth: 8, width, colourfulEntries: null });

function probe(
  format: RasterFormat,
  compress: number,
  data: number[],
  chunk = data.length,
  pad = 4,
): boolean | null {
  const p = new RasterColourProbe(format, 1 << 20);
  p.beginBlock(compress, pad);
  for (let at = 0; at < data.length; at += chunk) p.feed(Uint8Array.from(data.slice(at, at + chunk)));
  return p.verdict;
}

describe('PCL XL raster colour probe', () => {
  it('finds a colourful pixel in uncompressed RGB rows, and none in grey ones', () => {
    // Two pixels (6 bytes) padded to 8 per row.
    expect(probe(RGB8(2), COMPRESS_NONE, [9, 9, 9, 7, 7, 7, 0, 0, 1, 1, 1, 200, 0, 0, 0, 0])).to.equal(true);
    expect(probe(RGB8(2), COMPRESS_NONE, [9, 9, 9, 7, 7, 7, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0])).to.equal(false);
  });

  it('counts channels within the neutral tolerance as grey (colour-managed greys drift a few levels)', () => {
    expect(probe(RGB8(2), COMPRESS_NONE, [128, 130, 133, 35, 31, 32, 0, 0])).to.equal(false);
    expect(probe(RGB8(2), COMPRESS_NONE, [128, 130, 140, 35, 31, 32, 0, 0])).to.equal(true);
  });

  it('ignores the row padding even when it holds unequal bytes', () => {
    expect(probe(RGB8(1), COMPRESS_NONE, [5, 5, 5, 255, 6, 6, 6, 0])).to.equal(false);
    expect(probe(RGB8(1), COMPRESS_NONE, [5, 5, 5, 6, 6, 6], 6, 1)).to.equal(false);
  });

  it('decodes RunLengthDecode runs and literals across any chunking', () => {
    // Row 1: 3× 0x80 then literal (0x80 0x80 0x80 + pad 0 0): grey. Row 2: literal 10 20 30 + pad: colour.
    const grey = [0xfe, 0x80, 0x04, 0x80, 0x80, 0x80, 0, 0];
    const colour = [0x07, 10, 20, 30, 40, 40, 40, 0, 0];
    for (const chunk of [1, 2, 3, 100]) {
      expect(probe(RGB8(2), COMPRESS_RLE, grey, chunk)).to.equal(false);
      expect(probe(RGB8(2), COMPRESS_RLE, [...grey, ...colour], chunk)).to.equal(true);
    }
  });

  it('stops RLE at the end-of-data code 128', () => {
    expect(probe(RGB8(1), COMPRESS_RLE, [0xfd, 0x11, 0x80, 0x03, 1, 2, 3, 0])).to.equal(false);
  });

  it('applies delta rows against the seed row, with long offsets', () => {
    // Width 40 pixels = 120 bytes. Row 1: set bytes 0..2 to 5,5,5 (grey). Row 2: empty (repeat).
    const row1 = [4, 0, 0x40, 5, 5, 5];
    const repeat = [0, 0];
    expect(probe(RGB8(40), COMPRESS_DELTA_ROW, [...row1, ...repeat])).to.equal(false);
    // Row 3: skip 31 + 255 + 10 = 296 bytes? beyond the row: ignored. Then skip 31+60=91 → byte 91 → set 1 byte.
    const beyond = [4, 0, 0x1f, 0xff, 10, 9];
    const inRow = [3, 0, 0x1f, 60, 90];
    expect(probe(RGB8(40), COMPRESS_DELTA_ROW, [...row1, ...beyond])).to.equal(false);
    // Byte 91 is pixel 30's green channel (90, 91, 92): 0,90,0 is colour.
    expect(probe(RGB8(40), COMPRESS_DELTA_ROW, [...row1, ...inRow], 1)).to.equal(true);
  });

  it('keeps the delta seed row from one row to the next', () => {
    // Row 1 paints pixel 0 grey (90,90,90); row 2 rewrites only its blue byte. Were the seed lost, row 2 would
    // be (0,0,90), colourful; with the seed it is (90,90,90) again, or (90,90,9) when the new byte differs.
    const row1 = [4, 0, 0x40, 90, 90, 90];
    expect(probe(RGB8(1), COMPRESS_DELTA_ROW, [...row1, 2, 0, 0x02, 90])).to.equal(false);
    expect(probe(RGB8(1), COMPRESS_DELTA_ROW, [...row1, 2, 0, 0x02, 9])).to.equal(true);
  });

  it('reads 1- and 4-bit RGB samples and palette indices', () => {
    expect(
      rowHasColour(Uint8Array.of(0b11100000), { components: 3, depth: 1, width: 1, colourfulEntries: null }),
    ).to.equal(false);
    expect(
      rowHasColour(Uint8Array.of(0b10100000), { components: 3, depth: 1, width: 1, colourfulEntries: null }),
    ).to.equal(true);
    expect(
      rowHasColour(Uint8Array.of(0x77, 0x70), { components: 3, depth: 4, width: 1, colourfulEntries: null }),
    ).to.equal(false);
    const palette: RasterFormat = {
      components: 1,
      depth: 4,
      width: 2,
      colourfulEntries: [false, false, true],
    };
    expect(rowHasColour(Uint8Array.of(0x01), palette)).to.equal(false);
    expect(rowHasColour(Uint8Array.of(0x12), palette)).to.equal(true);
  });

  it('does not decode images that cannot be colourful', () => {
    const grey = new RasterColourProbe({ components: 1, depth: 8, width: 10, colourfulEntries: null }, 1000);
    const greyPalette = new RasterColourProbe(
      { components: 1, depth: 8, width: 10, colourfulEntries: [false] },
      1000,
    );
    expect(grey.wantsData).to.equal(false);
    expect(greyPalette.wantsData).to.equal(false);
    expect(grey.verdict).to.equal(false);
  });

  it('cannot judge rows wider than its budget, or unknown compressions', () => {
    expect(new RasterColourProbe(RGB8(1000), 2999).verdict).to.equal(null);
    expect(probe(RGB8(1), 9, [1, 2, 3])).to.equal(null);
  });

  it('judges JPEG data by its frame header: three components are colour, one is grey', () => {
    const jpeg = (components: number) => [
      ...[0xff, 0xd8],
      ...[0xff, 0xe0, 0, 6, 1, 2, 3, 4],
      ...[0xff, 0xdb, 0, 3, 0],
      ...[0xff, 0xc0, 0, 8 + 3 * components, 8, 0, 16, 0, 16, components],
      ...[0xff, 0xda],
    ];
    expect(probe(RGB8(16), COMPRESS_JPEG, jpeg(3), 1)).to.equal(true);
    expect(probe(RGB8(16), COMPRESS_JPEG, jpeg(1))).to.equal(false);
    const reader = new JpegHeaderReader();
    reader.feed(
      Uint8Array.from([0xff, 0xd8, 0xff, 0xc4, 0, 4, 0xff, 0xff, 0xff, 0xc2, 0, 11, 8, 0, 1, 0, 1, 4]),
    );
    expect(reader.components).to.equal(4);
  });
});
