/**
 * Positional reads of the PDF part of a spool file. A PDF is read from the end (startxref, xref, trailer) and then
 * by jumping to object offsets, so the reader never streams the whole file: it reads fixed-size blocks at
 * offsets through `FileHandle.read` and keeps the most recently used ones, because object lookups cluster (a page
 * object, its resources and its content stream usually sit together). When the job analysis already holds the
 * whole (small) file in memory, reads are slices of it instead, with no I/O at all. Positions are relative to the
 * start of the PDF data (`source.offset`, after any PJL header); reads past `source.length` are clipped, never an
 * error. Callers must not modify the buffers they get.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { PdlSource } from '../pdl-types';
import { sourceBytes } from '../source-bytes';

const BLOCK_SIZE = 64 * 1024;
// Reads larger than this bypass the cache: they are stream bodies read once, caching them would evict the
// small, hot blocks holding page and resource objects.
const DIRECT_READ_BYTES = 4 * BLOCK_SIZE;

/** The PDF bytes of a spool file, read by position through a small cache of recently used blocks. */
export class PdfFile {
  private readonly blocks = new Map<number, Buffer>();
  private readonly maxBlocks: number;
  /** Bytes read from disk so far (for throughput figures and tests of the memory bound). */
  bytesRead = 0;

  private constructor(
    /** The open file, or the PDF data itself when the source holds it. */
    private readonly data: FileHandle | Buffer,
    private readonly start: number,
    /** Bytes of PDF data: positions run from 0 to `length`. */
    readonly length: number,
    cacheBytes: number,
  ) {
    this.maxBlocks = Math.max(2, Math.floor(cacheBytes / BLOCK_SIZE));
  }

  /**
   * Open `source.path` for positional reads of `source.length` bytes from `source.offset`, or read the bytes the
   * source already holds. I/O errors throw.
   */
  static async open(source: PdlSource, cacheBytes: number): Promise<PdfFile> {
    const held = sourceBytes(source);
    if (held) return new PdfFile(held, 0, held.length, cacheBytes);
    const handle = await open(source.path, 'r');
    try {
      const size = (await handle.stat()).size;
      const start = Math.max(0, Math.min(source.offset, size));
      const length = Math.max(0, Math.min(source.length, size - start));
      return new PdfFile(handle, start, length, cacheBytes);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Up to `length` bytes from `position`; shorter (possibly empty) at the end of the data. */
  async read(position: number, length: number): Promise<Buffer> {
    const from = Math.max(0, Math.min(position, this.length));
    const to = Math.max(from, Math.min(position + Math.max(0, length), this.length));
    if (Buffer.isBuffer(this.data)) return this.slice(this.data, from, to - from);
    if (to - from > DIRECT_READ_BYTES) return this.readDirect(from, to - from);
    const first = Math.floor(from / BLOCK_SIZE);
    const last = Math.floor(Math.max(from, to - 1) / BLOCK_SIZE);
    if (first === last) {
      const block = await this.block(first);
      return block.subarray(from - first * BLOCK_SIZE, to - first * BLOCK_SIZE);
    }
    const parts: Buffer[] = [];
    for (let index = first; index <= last; index += 1) {
      const block = await this.block(index);
      const blockStart = index * BLOCK_SIZE;
      parts.push(block.subarray(Math.max(0, from - blockStart), Math.min(block.length, to - blockStart)));
    }
    return Buffer.concat(parts, to - from);
  }

  /** Read `length` bytes at `position` straight from disk into a fresh buffer, without caching. */
  async readDirect(position: number, length: number): Promise<Buffer> {
    const from = Math.max(0, Math.min(position, this.length));
    const size = Math.max(0, Math.min(length, this.length - from));
    if (Buffer.isBuffer(this.data)) return this.slice(this.data, from, size);
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await this.data.read(buffer, filled, size - filled, this.start + from + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.bytesRead += filled;
    return filled === size ? buffer : buffer.subarray(0, filled);
  }

  /** Close the file; the reader is unusable afterwards. */
  async close(): Promise<void> {
    this.blocks.clear();
    if (!Buffer.isBuffer(this.data)) await this.data.close();
  }

  /** `size` bytes of the held data from `from` (both already clipped), without copying. */
  private slice(held: Buffer, from: number, size: number): Buffer {
    this.bytesRead += size;
    return held.subarray(from, from + size);
  }

  private async block(index: number): Promise<Buffer> {
    const cached = this.blocks.get(index);
    if (cached) {
      // Re-inserting moves the block to the back of the Map's insertion order: the eviction order is LRU.
      this.blocks.delete(index);
      this.blocks.set(index, cached);
      return cached;
    }
    const block = await this.readDirect(index * BLOCK_SIZE, BLOCK_SIZE);
    this.blocks.set(index, block);
    if (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value;
      if (oldest !== undefined) this.blocks.delete(oldest);
    }
    return block;
  }
}
