/**
 * Robustness of the PCL XL analyser: thousands of mutations and truncations of a job that uses every feature
 * (images in each compression, patterns, palettes, streams, both attribute widths) must each give a result,
 * never an exception, within the time limit; and a stream "bomb" whose replays double at every level must stop
 * at the deadline instead of running for ages.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageAnalysis } from './pdl-types';
import { analysePclXl } from './pclxl';
import { Attr, ELEMENT_SINT16, ELEMENT_UBYTE, ELEMENT_UINT16, ELEMENT_UINT32, Op } from './pclxl-tags';
import { PclXlWriter } from './pclxl-writer';

let dir = '';

async function analyse(bytes: Buffer, deadlineMs: number): Promise<LanguageAnalysis> {
  const path = join(dir, 'fuzz.pxl');
  await writeFile(path, bytes);
  return analysePclXl(
    { path, offset: 0, length: bytes.length },
    { deadline: Date.now() + deadlineMs, maxBufferBytes: 0 },
  );
}

function image(w: PclXlWriter, compress: number, data: number[], pattern?: number): void {
  w.ubyte(2).attr(Attr.ColorDepth).ubyte(0).attr(Attr.ColorMapping);
  w.uint16(4).attr(Attr.SourceWidth).uint16(2).attr(Attr.SourceHeight);
  if (pattern !== undefined) {
    w.value(ELEMENT_SINT16, pattern).attr(Attr.PatternDefineID).ubyte(2).attr(Attr.PatternPersistence);
  }
  w.op(pattern === undefined ? Op.BeginImage : Op.BeginRastPattern);
  w.uint16(0).attr(Attr.StartLine).uint16(2).attr(Attr.BlockHeight).ubyte(compress).attr(Attr.CompressMode);
  w.op(pattern === undefined ? Op.ReadImage : Op.ReadRastPattern).data(Uint8Array.from(data));
  w.op(pattern === undefined ? Op.EndImage : Op.EndRastPattern);
}

/** A three-page job touching every part of the analyser. */
function richJob(): Buffer {
  const body = new PclXlWriter(true).header().colourSpace(2).rgbBrush(9, 200, 9).rectangle().bytes();
  const w = new PclXlWriter().raw('\x1b%-12345X@PJL ENTER LANGUAGE=PCLXL\n').header().beginSession();
  w.text('s').attr(Attr.StreamName).op(Op.BeginStream);
  w.value(ELEMENT_UINT32, body.length)
    .attr(Attr.StreamDataLength)
    .op(Op.ReadStream)
    .data(body)
    .op(Op.EndStream);
  w.beginPage({ media: 2, duplexMode: 1 }).colourSpace(2, [0, 0, 0, 255, 0, 0]);
  image(w, 0, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4].concat(new Array(12).fill(7)));
  image(w, 1, [0x0b, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0xf5, 5], 7);
  w.value(ELEMENT_SINT16, 7).attr(Attr.PatternSelectID).op(Op.SetBrushSource).rectangle().endPage(2);
  w.beginPage({ media: 'LETTER', duplexMode: 'simplex' }).colourSpace(2);
  image(w, 3, [4, 0, 0x40, 9, 9, 9, 0, 0]);
  image(w, 2, [0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 2, 0, 4, 3]);
  w.array(ELEMENT_UINT16, [1, 2, 3]).attr(300).op(Op.Text).text('s').attr(Attr.StreamName).op(Op.ExecStream);
  w.endPage(2).beginPage({ media: 5 }).op(Op.PushGS).array(ELEMENT_UBYTE, [1, 2, 250]).attr(Attr.RGBColor);
  w.op(Op.SetPenSource).op(Op.NewPath).op(Op.LinePath).op(Op.PaintPath).op(Op.PopGS).endPage(2);
  return w.endSession().raw('\x1b%-12345X').bytes();
}

/** A small deterministic generator, so that a failing mutation can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

function mutate(job: Buffer, next: () => number): Buffer {
  const at = Math.floor(next() * job.length);
  const kind = Math.floor(next() * 4);
  if (kind === 0) return job.subarray(0, at);
  const copy = Buffer.from(job);
  if (kind === 1) copy[at] = Math.floor(next() * 256);
  if (kind === 2) {
    return Buffer.concat([copy.subarray(0, at), Buffer.of(Math.floor(next() * 256)), copy.subarray(at)]);
  }
  if (kind === 3) {
    return Buffer.concat([copy.subarray(0, at), copy.subarray(at + 1 + Math.floor(next() * 8))]);
  }
  return copy;
}

describe('PCL XL analyser robustness', function () {
  this.timeout(60_000);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quire-pclxl-fuzz-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the intact job exactly', async () => {
    const result = await analyse(richJob(), 5_000);
    expect(result.pages.map((p) => [p.paper, p.duplex, p.color])).to.deep.equal([
      ['iso_a4_210x297mm', 'long-edge', true],
      ['na_letter_8.5x11in', 'simplex', true],
      ['iso_a3_297x420mm', null, true],
    ]);
    expect([result.copies, result.partial, result.warnings]).to.deep.equal([2, false, []]);
  });

  it('gives a result for 2,000 mutated and truncated jobs, never an exception, within the time limit', async () => {
    const job = richJob();
    const next = random(4711);
    for (let n = 0; n < 2000; n += 1) {
      const mutated = mutate(job, next);
      const started = Date.now();
      const result = await analyse(mutated, 1_000).catch((err: Error) => {
        throw new Error(`mutation ${n} threw: ${err.stack}`);
      });
      expect(Date.now() - started, `mutation ${n}`).to.be.lessThan(1_500);
      expect(result.pdl).to.equal('pcl-xl');
      expect(result.pages.length * (result.copies ?? 1), `mutation ${n}`).to.be.at.most(65_535 * 4);
      for (const page of result.pages) expect([true, false, null]).to.include(page.color);
    }
  });

  it('stops a stream bomb (every level replays the next twice) at the deadline', async () => {
    const w = new PclXlWriter().header().beginSession();
    const levels = 28;
    for (let level = levels; level >= 0; level -= 1) {
      const body = new PclXlWriter().header();
      if (level === levels) body.rectangle();
      else
        body
          .text(`s${level + 1}`)
          .attr(Attr.StreamName)
          .op(Op.ExecStream)
          .text(`s${level + 1}`)
          .attr(Attr.StreamName)
          .op(Op.ExecStream);
      const bytes = body.bytes();
      w.text(`s${level}`).attr(Attr.StreamName).op(Op.BeginStream);
      w.value(ELEMENT_UINT32, bytes.length)
        .attr(Attr.StreamDataLength)
        .op(Op.ReadStream)
        .data(bytes)
        .op(Op.EndStream);
    }
    w.beginPage().text('s0').attr(Attr.StreamName).op(Op.ExecStream).endPage().endSession();
    const started = Date.now();
    const result = await analyse(w.bytes(), 300);
    expect(Date.now() - started).to.be.lessThan(2_000);
    expect(result.partial).to.equal(true);
    expect(result.warnings.join()).to.match(/time limit/);
  });
});
