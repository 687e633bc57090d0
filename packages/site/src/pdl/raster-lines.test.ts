/**
 * The PWG/URF page walker on hand-encoded pages: it must stop exactly at the page's last byte whatever the chunk
 * boundaries, follow line repeats, literal and repeat runs and the fill-to-end code, clamp hostile runs to the
 * line, and tell colour pixels from neutral ones (within the tolerance colour-managed greys need).
 */
import { expect } from 'chai';
import { CompressedPageWalker, type RasterGeometry } from './raster-lines';

const RGB: RasterGeometry = {
  height: 3,
  bytesPerLine: 12, // 4 RGB pixels
  unitBytes: 3,
  chroma: { mode: 'equal', offsets: [0, 1, 2] },
  compressed: true,
};

/** Walks `page` (followed by trailing bytes) in chunks of `size`; returns where the page ended and its colour. */
function walk(geometry: RasterGeometry, page: number[], size: number): { end: number; colour: boolean } {
  const bytes = Uint8Array.from([...page, 0xaa, 0xbb]);
  const walker = new CompressedPageWalker(geometry);
  let offset = 0;
  while (!walker.done && offset < bytes.length) {
    const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + size));
    offset += walker.consume(chunk, 0);
  }
  return { end: offset, colour: walker.sawColour };
}

function greyPage(pixel: [number, number, number]): number[] {
  return [
    1, // lines 1–2
    0xff,
    ...pixel,
    100,
    100,
    100, // two literal pixels
    1,
    50,
    50,
    50, // one pixel twice
    0, // line 3
    128, // fill to the end with white
  ];
}

describe('CompressedPageWalker', () => {
  it('ends exactly after the last line, whatever the chunk size', () => {
    const page = greyPage([10, 10, 10]);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      expect(walk(RGB, page, size), `chunks of ${size}`).to.deep.equal({ end: page.length, colour: false });
    }
  });

  it('sees a colour pixel in any run, even split across chunks', () => {
    for (const size of [1, 2, 4, 64]) expect(walk(RGB, greyPage([200, 30, 30]), size).colour).to.equal(true);
    const repeatRun = [2, 3, 9, 200, 9]; // three lines of one pixel repeated four times
    expect(walk(RGB, repeatRun, 2)).to.deep.equal({ end: repeatRun.length, colour: true });
  });

  it('treats near-neutral pixels from colour management as grey', () => {
    expect(walk(RGB, greyPage([147, 149, 152]), 4).colour).to.equal(false);
  });

  it('clamps a literal run longer than the line and keeps counting lines', () => {
    // 0x80 + 1 = 129: 128 literal pixels announced, only 4 fit the 12-byte line.
    const page = [2, 0x81, ...new Array<number>(12).fill(0)];
    expect(walk(RGB, page, 5)).to.deep.equal({ end: page.length, colour: false });
  });

  it('walks uncompressed pages as raw bytes', () => {
    const raw: RasterGeometry = { ...RGB, compressed: false };
    const page = [...new Array<number>(33).fill(7), 7, 8, 200];
    expect(walk(raw, page, 10)).to.deep.equal({ end: 36, colour: true });
  });
});
