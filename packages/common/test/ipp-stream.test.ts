/**
 * The streaming IPP reader: the attribute section is decoded however the bytes are chunked, the document
 * arrives intact, the source is read only as fast as the document is consumed, destroying the document leaves
 * the source usable, and endless or early-ending sources end in IppParseError without unbounded reads.
 */
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { IppOperation, IppParseError, IppStatus, readIppMessage } from '../src';
import { capturedPrintJob, capturedPrintJobDocument } from './ipp-fixtures';

const headerLength = capturedPrintJob.length - capturedPrintJobDocument.length;

/** A source that makes `total` bytes on demand, 64 KiB at a time, and counts what it has produced. */
function countingSource(prefix: Buffer, total: number) {
  const state = { produced: 0 };
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (state.produced === 0) {
        state.produced = prefix.length;
        this.push(prefix);
        return;
      }
      if (state.produced >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(64 * 1024, total - state.produced);
      state.produced += size;
      this.push(Buffer.alloc(size, 0x25));
    },
  });
  return { stream, state };
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('readIppMessage', () => {
  it('decodes the attribute section from one-byte chunks and passes the document on intact', async () => {
    const chunks = [...capturedPrintJob].map((byte) => Buffer.from([byte]));
    const { message, document, headerBytes } = await readIppMessage(Readable.from(chunks));
    expect(message.code).to.equal(IppOperation.PrintJob);
    expect(headerBytes).to.equal(headerLength);
    expect(await drain(document)).to.deep.equal(capturedPrintJobDocument);
  });

  it('reads a large document with back-pressure instead of buffering it', async function () {
    this.timeout(30_000);
    const total = 64 * 1024 * 1024;
    const header = capturedPrintJob.subarray(0, headerLength);
    const { stream, state } = countingSource(header, total);
    const { document } = await readIppMessage(stream);
    expect(state.produced).to.be.lessThan(1024 * 1024);
    let consumed = 0;
    let maxAhead = 0;
    for await (const chunk of document) {
      consumed += (chunk as Buffer).length;
      maxAhead = Math.max(maxAhead, state.produced - header.length - consumed);
      if (consumed % (4 * 1024 * 1024) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(consumed).to.equal(total - header.length);
    expect(maxAhead).to.be.lessThan(2 * 1024 * 1024);
  });

  it('leaves the source alive and flowing again when an unread document is destroyed', async () => {
    const total = 10 * 1024 * 1024;
    const { stream } = countingSource(capturedPrintJob.subarray(0, headerLength), total);
    const { document } = await readIppMessage(stream);
    document.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.destroyed).to.equal(false);
    // What an HTTP server does to discard the rest of a body: listen for data and resume.
    let discarded = 0;
    stream.on('data', (chunk: Buffer) => (discarded += chunk.length));
    stream.resume();
    await new Promise((resolve) => stream.once('end', resolve));
    expect(discarded).to.equal(total - headerLength);
  });

  it('reports a source that ends inside the attribute section as truncated', async () => {
    const source = Readable.from([capturedPrintJob.subarray(0, 100)]);
    try {
      await readIppMessage(source);
      expect.fail('expected an IppParseError');
    } catch (err) {
      expect(err).to.be.instanceOf(IppParseError);
      expect((err as IppParseError).truncated).to.equal(true);
      expect((err as IppParseError).header?.code).to.equal(IppOperation.PrintJob);
    }
  });

  it('stops an endless attribute section at the size limit without reading on', async () => {
    // One attribute after another, never an end tag: a client that streams attributes forever.
    const attribute = Buffer.from('44' + '0001' + '6b' + '7fff', 'hex');
    const filler = Buffer.concat([attribute, Buffer.alloc(0x7fff, 0x61)]);
    let produced = 0;
    const source = new Readable({
      read() {
        produced += filler.length;
        this.push(
          produced === filler.length ? Buffer.concat([capturedPrintJob.subarray(0, 9), filler]) : filler,
        );
      },
    });
    const limits = { maxBytes: 256 * 1024, maxAttributes: 4096, maxValues: 16384, maxDepth: 10 };
    try {
      await readIppMessage(source, limits);
      expect.fail('expected an IppParseError');
    } catch (err) {
      expect(err).to.be.instanceOf(IppParseError);
      expect((err as IppParseError).ippStatus).to.equal(IppStatus.ClientErrorRequestEntityTooLarge);
      expect((err as IppParseError).header?.requestId).to.equal(0x1b429);
    }
    expect(produced).to.be.lessThan(512 * 1024);
  });
});
