/**
 * A closed-loop IPP load generator: N keep-alive HTTP connections, one request in flight on each, for a fixed
 * time. It measures the server, not the client (bench-anchors.md: ipptool opens a connection per request and
 * validates every attribute, so it measures itself). Counts only IPP successes (status < 0x0100) and reports
 * throughput and latency percentiles.
 */
import http from 'node:http';

export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstFailure: string | null;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** A fresh request body for each request (the IPP header plus any document). */
  body: () => Buffer;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<{ httpStatus: number; ippStatus: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/ipp', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const data = Buffer.concat(chunks);
          resolve({
            httpStatus: res.statusCode ?? 0,
            ippStatus: data.length >= 4 ? data.readUInt16BE(2) : -1,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Run the load and return what the server answered. */
export async function runIppLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const url = new URL(options.url);
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + options.seconds * 1000;
  const worker = async () => {
    while (Date.now() < deadline) {
      const t0 = process.hrtime.bigint();
      try {
        const { httpStatus, ippStatus } = await post(agent, url, options.body());
        if (httpStatus === 200 && ippStatus >= 0 && ippStatus < 0x0100) {
          ok += 1;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } else {
          failed += 1;
          firstFailure ??= `HTTP ${httpStatus}, IPP status 0x${ippStatus.toString(16)}`;
        }
      } catch (err) {
        failed += 1;
        firstFailure ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    ok,
    failed,
    seconds,
    perSecond: ok / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    firstFailure,
  };
}
