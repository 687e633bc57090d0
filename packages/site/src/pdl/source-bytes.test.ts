/**
 * Unit tests of how analysers get a job's bytes: a small file is read whole (its head a view of it), a large one
 * only its head; the chunks of a source are the same bytes whether they come from memory or from disk, honour
 * the offset and length, and end early, without error, when the file is shorter than the source says.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type PdlSource } from './pdl-types';
import { readSpoolFile, sourceBytes, sourceChunks } from './source-bytes';

async function collect(source: PdlSource, chunkSize: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of sourceChunks(source, chunkSize)) chunks.push(chunk);
  return chunks;
}

describe('source bytes', () => {
  let dir: string;
  let file: string;
  const content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff));

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-source-bytes-'));
    file = path.join(dir, 'job.prn');
    writeFileSync(file, content);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file within the limit whole, and only the head of a larger one', () => {
    const whole = readSpoolFile(file, 100, 10_000);
    expect(whole.size).to.equal(10_000);
    expect(whole.bytes?.equals(content)).to.equal(true);
    expect(whole.head.equals(content.subarray(0, 100))).to.equal(true);
    const large = readSpoolFile(file, 100, 9_999);
    expect(large).to.include({ size: 10_000, bytes: null });
    expect(large.head.equals(content.subarray(0, 100))).to.equal(true);
    expect(() => readSpoolFile(path.join(dir, 'missing.prn'), 100, 100)).to.throw(/ENOENT/);
  });

  it('gives the same chunks from memory and from disk, within the offset and length', async () => {
    const source = { path: file, offset: 1234, length: 5000 };
    const expected = content.subarray(1234, 6234);
    for (const chunkSize of [1, 999, 4096, 1 << 20]) {
      const fromDisk = Buffer.concat(await collect(source, chunkSize));
      const held = await collect({ ...source, bytes: content }, chunkSize);
      expect(fromDisk.equals(expected), `disk ${chunkSize}`).to.equal(true);
      expect(Buffer.concat(held).equals(expected), `memory ${chunkSize}`).to.equal(true);
      expect(held.every((chunk) => chunk.length <= chunkSize)).to.equal(true);
    }
    expect(await collect({ ...source, length: 0, bytes: content }, 100)).to.deep.equal([]);
  });

  it('ends early, without error, when the file is shorter than the source says', async () => {
    const source = { path: file, offset: 9000, length: 5000 };
    expect(Buffer.concat(await collect(source, 4096)).length).to.equal(1000);
    expect(Buffer.concat(await collect({ ...source, bytes: content }, 4096)).length).to.equal(1000);
    expect(sourceBytes({ ...source, bytes: content })?.length).to.equal(1000);
    expect(sourceBytes({ ...source, offset: 20_000, bytes: content })?.length).to.equal(0);
    expect(sourceBytes(source)).to.equal(null);
  });
});
