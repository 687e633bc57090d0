/**
 * Single-job throughput: one Print-Job whose document is `mib` MiB, streamed with chunked encoding over one
 * connection, timed from the first byte sent to the IPP response (which Quire sends only after fsync and the DB
 * commit). The document is a stream of repeated 1 MiB chunks, so the client holds almost nothing in memory.
 */
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { sizedStream } from './documents';
import { printJobHeader } from './requests';

/** MB/s (10^6 bytes) for one job of `mib` MiB to `printerUrl`. */
export async function bigJobMbPerSecond(printerUrl: string, mib: number): Promise<number> {
  const bytes = mib * 1024 * 1024;
  const printerUri = printerUrl.replace(/^http:/, 'ipp:');
  const started = process.hrtime.bigint();
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      printerUrl,
      { method: 'POST', headers: { 'content-type': 'application/ipp' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve(res.statusCode === 200 && body.length >= 4 ? body.readUInt16BE(2) : -1);
        });
      },
    );
    req.on('error', reject);
    pipeline(sizedStream(bytes, printJobHeader(printerUri)), req).catch(reject);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (status < 0 || status >= 0x0100)
    throw new Error(`the ${mib} MiB job was refused (IPP status ${status})`);
  return bytes / 1e6 / seconds;
}
