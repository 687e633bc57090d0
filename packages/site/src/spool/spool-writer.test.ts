/**
 * Unit tests of the spool writer and store on a scratch directory: where a document lands, its sha256, size and
 * head; that a too-large job, a failing source, a vanished client or an HTTP client disconnect leave nothing
 * behind; and the store's read, delete, listing and path-safety helpers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { expect } from 'chai';
import { ErrorCode, isQuireError, newId, QuireError } from '@quire/common';
import { documentPathFor } from './spool-layout';
import { SpoolStore } from './spool-store';
import { HEAD_BYTES, SMALL_DOCUMENT_BYTES } from './spool-writer';

/** A source of `count` chunks of `size` bytes (chunk i filled with byte i), counting the chunks it produced. */
function chunkSource(count: number, size: number) {
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= count) this.push(null);
      else this.push(Buffer.alloc(size, produced++ % 256));
    },
  });
  const expected = createHash('sha256');
  for (let i = 0; i < count; i++) expected.update(Buffer.alloc(size, i % 256));
  return { stream, produced: () => produced, sha256: expected.digest('hex') };
}

/** A source that sends `good` chunks and then fails with `error` (or just ends abruptly when it is null). */
function failingSource(good: number, error: Error | null): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent < good) {
        sent++;
        this.push(Buffer.alloc(16 * 1024, 1));
      } else {
        setImmediate(() => this.destroy(error ?? undefined));
      }
    },
  });
}

describe('spool writer and store', () => {
  let base: string;
  let store: SpoolStore;
  const receivedAt = new Date('2025-03-09T23:59:00Z');

  function spoolEntries() {
    return {
      temp: readdirSync(path.join(store.dir, 'tmp')).filter((name) => !store.isReservedTempFile(name)),
      documents: readdirSync(path.join(store.dir, 'jobs'), { recursive: true }).filter((name) =>
        String(name).endsWith('.prn'),
      ),
    };
  }

  beforeEach(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-spool-writer-'));
    store = new SpoolStore(path.join(base, 'spool'));
    await store.prepare();
  });

  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('stores a document under jobs/<yyyy>/<mm>/<id>.prn with its sha256, size and head', async () => {
    const id = newId();
    const source = chunkSource(40, 10_000);
    const spooled = await store.write(id, source.stream, { receivedAt, maxSizeMb: 1 });
    expect(spooled.relativePath).to.equal(path.join('jobs', '2025', '03', `${id}.prn`));
    expect(spooled.relativePath).to.equal(documentPathFor(id, receivedAt));
    expect(spooled.sizeBytes).to.equal(400_000);
    expect(spooled.sha256).to.equal(source.sha256);
    const onDisk = readFileSync(store.absolutePath(spooled.relativePath));
    expect(createHash('sha256').update(onDisk).digest('hex')).to.equal(source.sha256);
    expect(spooled.head.length).to.equal(HEAD_BYTES);
    expect(spooled.head.equals(onDisk.subarray(0, HEAD_BYTES))).to.equal(true);
    expect(spoolEntries().temp).to.deep.equal([]);
  });

  it('keeps a whole small document as its head, and accepts an empty one', async () => {
    const small = await store.write(newId(), Readable.from([Buffer.from('%PDF-1.7 tiny')]), {
      receivedAt,
      maxSizeMb: 1,
    });
    expect(small.head.toString()).to.equal('%PDF-1.7 tiny');
    const ended = Readable.from([]);
    ended.resume();
    await new Promise((resolve) => ended.once('end', resolve));
    const empty = await store.write(newId(), ended, { receivedAt, maxSizeMb: 1 });
    expect(empty.sizeBytes).to.equal(0);
    expect(empty.sha256).to.equal(createHash('sha256').digest('hex'));
  });

  it('refuses a job as soon as it crosses the limit, reads no further and keeps nothing', async () => {
    const source = chunkSource(48, 64 * 1024); // 3 MiB against a 1 MiB limit
    const refused = await store
      .write(newId(), source.stream, { receivedAt, maxSizeMb: 1 })
      .catch((err: unknown) => err);
    expect(isQuireError(refused, ErrorCode.JobTooLarge)).to.equal(true);
    expect((refused as Error).message)
      .to.contain('1 MiB')
      .and.to.contain('QUIRE_JOBS_MAX_SIZE_MB');
    expect(source.produced(), 'stopped reading soon after the limit').to.be.lessThan(30);
    expect(source.stream.destroyed, 'the source is left to the front-end').to.equal(false);
    expect(spoolEntries()).to.deep.equal({ temp: [], documents: [] });
  });

  it('stores documents on either side of the small-document size alike', async () => {
    const chunk = 16 * 1024;
    for (const size of [
      SMALL_DOCUMENT_BYTES - 1,
      SMALL_DOCUMENT_BYTES,
      SMALL_DOCUMENT_BYTES + 1,
      4 * chunk * 13,
    ]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
      const parts = Array.from({ length: Math.ceil(size / chunk) }, (_, i) =>
        data.subarray(i * chunk, (i + 1) * chunk),
      );
      const spooled = await store.write(newId(), Readable.from(parts), { receivedAt, maxSizeMb: 1 });
      expect(spooled.sizeBytes, `size ${size}`).to.equal(size);
      expect(spooled.sha256).to.equal(createHash('sha256').update(data).digest('hex'));
      expect(readFileSync(store.absolutePath(spooled.relativePath)).equals(data), `size ${size}`).to.equal(
        true,
      );
    }
    expect(spoolEntries().temp).to.deep.equal([]);
  });

  it('keeps nothing when the source fails after the small-document size, while streaming', async () => {
    const failed = await store
      .write(newId(), failingSource(SMALL_DOCUMENT_BYTES / 16_384 + 4, new Error('reset by peer')), {
        receivedAt,
        maxSizeMb: 1,
      })
      .catch((err: unknown) => err);
    expect(isQuireError(failed, ErrorCode.SpoolFailed)).to.equal(true);
    expect((failed as Error).message).to.contain('reset by peer');
    expect(spoolEntries()).to.deep.equal({ temp: [], documents: [] });
  });

  it('removes the temp file when the source fails, and reports SPOOL_FAILED', async () => {
    const failed = await store
      .write(newId(), failingSource(5, new Error('socket hang up')), { receivedAt, maxSizeMb: 1 })
      .catch((err: unknown) => err);
    expect(isQuireError(failed, ErrorCode.SpoolFailed)).to.equal(true);
    expect((failed as Error).message).to.contain('socket hang up');
    expect(spoolEntries()).to.deep.equal({ temp: [], documents: [] });
  });

  it('passes on a QuireError the source fails with, and reports a vanished source as a disconnect', async () => {
    const own = new QuireError(ErrorCode.JobTooLarge, 'front-end limit');
    const passed = await store
      .write(newId(), failingSource(2, own), { receivedAt, maxSizeMb: 1 })
      .catch((err: unknown) => err);
    expect(passed).to.equal(own);
    const vanished = await store
      .write(newId(), failingSource(2, null), { receivedAt, maxSizeMb: 1 })
      .catch((err: unknown) => err);
    expect(isQuireError(vanished, ErrorCode.SpoolFailed)).to.equal(true);
    expect((vanished as Error).message).to.contain('disconnected');
    expect(spoolEntries()).to.deep.equal({ temp: [], documents: [] });
  });

  it('keeps nothing when an HTTP client disconnects in the middle of its upload', async () => {
    let outcome: Promise<unknown> | undefined;
    const server = http.createServer((req, res) => {
      outcome = store.write(newId(), req, { receivedAt, maxSizeMb: 10 }).then(
        () => 'stored',
        (err: unknown) => err,
      );
      void outcome.then(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n`);
      socket.write(Buffer.alloc(200_000, 7));
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      while (!outcome) await new Promise((resolve) => setTimeout(resolve, 10));
      const err = await outcome;
      expect(isQuireError(err, ErrorCode.SpoolFailed), String(err)).to.equal(true);
      expect(spoolEntries()).to.deep.equal({ temp: [], documents: [] });
    } finally {
      server.close();
    }
  });

  it('opens, lists and deletes stored documents, and refuses paths outside the spool', async () => {
    const spooled = await store.write(newId(), Readable.from([Buffer.from('hello spool')]), {
      receivedAt,
      maxSizeMb: 1,
    });
    expect(await text(await store.openRead(spooled.relativePath))).to.equal('hello spool');
    expect(await store.exists(spooled.relativePath)).to.equal(true);
    const listed: string[] = [];
    for await (const file of store.documentFiles()) listed.push(file);
    expect(listed).to.deep.equal([spooled.relativePath]);

    expect(await store.remove(spooled.relativePath)).to.equal(true);
    expect(await store.remove(spooled.relativePath)).to.equal(false);
    expect(await store.exists(spooled.relativePath)).to.equal(false);
    const missing = await store.openRead(spooled.relativePath).catch((err: unknown) => err);
    expect(isQuireError(missing, ErrorCode.SpoolFailed)).to.equal(true);

    for (const bad of ['../outside.prn', '/etc/passwd', 'jobs/../../x']) {
      expect(() => store.absolutePath(bad), bad).to.throw(QuireError, 'outside the spool directory');
    }
  });

  it('keeps empty temp files in reserve, and recovery never removes them', async () => {
    await store.write(newId(), Readable.from([Buffer.from('one')]), { receivedAt, maxSizeMb: 1 });
    const reserved = readdirSync(path.join(store.dir, 'tmp')).filter((name) =>
      store.isReservedTempFile(name),
    );
    expect(reserved.length).to.be.greaterThan(0);
    expect(await store.removeTempFiles()).to.deep.equal([]);
    const second = await store.write(newId(), Readable.from([Buffer.from('two')]), {
      receivedAt,
      maxSizeMb: 1,
    });
    expect(readFileSync(store.absolutePath(second.relativePath), 'utf8')).to.equal('two');
    store.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readdirSync(path.join(store.dir, 'tmp'))).to.deep.equal([]);
    const refused = await store
      .write(newId(), Readable.from([Buffer.from('three')]), { receivedAt, maxSizeMb: 1 })
      .catch((err: unknown) => err);
    expect(isQuireError(refused, ErrorCode.NotReady)).to.equal(true);
  });

  it('removes leftover temp files only', async () => {
    writeFileSync(path.join(store.dir, 'tmp', `${newId()}.part`), 'partial');
    writeFileSync(path.join(store.dir, 'tmp', 'README'), 'not ours');
    const removed = await store.removeTempFiles();
    expect(removed).to.have.length(1);
    expect(spoolEntries().temp).to.deep.equal(['README']);
  });
});
