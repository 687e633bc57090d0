/**
 * The app scaffold over a real loopback socket: request ids, the access log, health and readiness, metrics
 * labelled by route pattern, the JSON 404 and the error responses for bad bodies and failing handlers.
 */
import { expect } from 'chai';
import { Router, type Express } from 'express';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { ErrorCode, QuireError } from '../errors';
import { createLogger } from '../logging/logger';
import { createHttpApp, type HttpAppOptions } from './app';
import { HttpServer } from './http-server';

interface Harness {
  base: string;
  logLines: Record<string, unknown>[];
  registry: Registry;
  server: HttpServer;
}

async function startApp(options: Partial<HttpAppOptions> = {}): Promise<Harness> {
  const stream = new PassThrough();
  const logLines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line));
  });
  const registry = new Registry();
  const app = createHttpApp({
    logger: createLogger({ level: 'http', stream }),
    metrics: registry,
    ...options,
  });
  const server = new HttpServer();
  const port = await server.listen(app, '127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, logLines, registry, server };
}

function mountSites(app: Express): void {
  const sites = Router();
  sites.get('/:id', (req, res) => {
    if (req.params.id === 'missing') throw new QuireError(ErrorCode.NotFound, 'No such site');
    res.json({ id: req.params.id });
  });
  sites.post('/', (req, res) => res.status(201).json(req.body));
  sites.get('/crash/now', () => {
    throw new Error('database exploded');
  });
  app.use('/api/v1/sites', sites);
}

describe('createHttpApp', () => {
  let h: Harness;
  afterEach(async () => h?.server.close(1000));

  it('answers /healthz', async () => {
    h = await startApp();
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: 'ok' });
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
  });

  it('echoes a sane x-request-id and replaces one that is not', async () => {
    h = await startApp();
    const kept = await fetch(`${h.base}/healthz`, { headers: { 'x-request-id': 'lb-1234.abc' } });
    expect(kept.headers.get('x-request-id')).to.equal('lb-1234.abc');
    for (const insane of ['has spaces <script>', 'x'.repeat(200)]) {
      const replaced = await fetch(`${h.base}/healthz`, { headers: { 'x-request-id': insane } });
      expect(replaced.headers.get('x-request-id')).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    }
    const generated = await fetch(`${h.base}/healthz`);
    expect(generated.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('logs one http line per request without the query string', async () => {
    h = await startApp({ mount: mountSites });
    const res = await fetch(`${h.base}/api/v1/sites/s1?token=secret`, {
      headers: { 'x-request-id': 'rid-7' },
    });
    await res.text();
    await new Promise((resolve) => setImmediate(resolve));
    const line = h.logLines.find((l) => l.requestId === 'rid-7');
    expect(line).to.include({ level: 'http', method: 'GET', path: '/api/v1/sites/s1', status: 200 });
    expect(line?.durationMs).to.be.a('number');
    expect(line?.remoteAddr).to.be.a('string');
    expect(JSON.stringify(h.logLines)).not.to.contain('secret');
  });

  it('reports ready when every check passes', async () => {
    h = await startApp({
      readinessChecks: [{ name: 'db', check: async () => ({ ok: true, detail: 'SELECT 1' }) }],
    });
    const res = await fetch(`${h.base}/readyz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({
      status: 'ready',
      checks: { db: { ok: true, detail: 'SELECT 1' } },
    });
  });

  it('answers 503 with the first failing check, counting throws and timeouts as failures', async () => {
    h = await startApp({
      readinessTimeoutMs: 100,
      readinessChecks: [
        { name: 'db', check: async () => ({ ok: true }) },
        { name: 'spool', check: () => new Promise(() => undefined) },
        { name: 'central', check: async () => Promise.reject(new Error('connection refused')) },
      ],
    });
    const res = await fetch(`${h.base}/readyz`);
    expect(res.status).to.equal(503);
    expect(await res.json()).to.deep.equal({
      status: 'not-ready',
      reason: 'spool: timed out after 100 ms',
      checks: {
        db: { ok: true },
        spool: { ok: false, detail: 'timed out after 100 ms' },
        central: { ok: false, detail: 'connection refused' },
      },
    });
  });

  it('serves metrics with a histogram labelled by route pattern, not raw path', async () => {
    h = await startApp({ mount: mountSites });
    await (await fetch(`${h.base}/api/v1/sites/abc`)).text();
    await (await fetch(`${h.base}/api/v1/sites/missing`)).text();
    await (await fetch(`${h.base}/nowhere/at/all`)).text();
    const res = await fetch(`${h.base}/metrics`);
    expect(res.headers.get('content-type')).to.equal(h.registry.contentType);
    const text = await res.text();
    expect(text).to.contain(
      'quire_http_request_duration_seconds_count{method="GET",route="/api/v1/sites/:id",status="200"} 1',
    );
    expect(text).to.contain(
      'quire_http_request_duration_seconds_count{method="GET",route="/api/v1/sites/:id",status="404"} 1',
    );
    expect(text).to.contain('route="(unmatched)",status="404"');
    expect(text).not.to.contain('abc');
  });

  it('answers unknown routes with a JSON 404', async () => {
    h = await startApp();
    const res = await fetch(`${h.base}/api/v1/nothing?q=1`);
    expect(res.status).to.equal(404);
    expect(await res.json()).to.deep.equal({
      error: { code: 'NOT_FOUND', message: 'No route for GET /api/v1/nothing' },
    });
  });

  it('maps a QuireError thrown by a route to its status and code', async () => {
    h = await startApp({ mount: mountSites });
    const res = await fetch(`${h.base}/api/v1/sites/missing`);
    expect(res.status).to.equal(404);
    expect(await res.json()).to.deep.equal({ error: { code: 'NOT_FOUND', message: 'No such site' } });
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    h = await startApp({ mount: mountSites });
    const headers = { 'content-type': 'application/json' };
    const bad = await fetch(`${h.base}/api/v1/sites`, { method: 'POST', headers, body: '{"name": ' });
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.deep.equal({
      error: { code: 'BAD_REQUEST', message: 'Request body is not valid JSON' },
    });
    const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) });
    const tooLarge = await fetch(`${h.base}/api/v1/sites`, { method: 'POST', headers, body: big });
    expect(tooLarge.status).to.equal(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).to.equal('PAYLOAD_TOO_LARGE');
    const ok = await fetch(`${h.base}/api/v1/sites`, { method: 'POST', headers, body: '{"name":"x"}' });
    expect(ok.status).to.equal(201);
    expect(await ok.json()).to.deep.equal({ name: 'x' });
  });

  it('hides unexpected errors behind a generic 500 and logs them with the request id', async () => {
    h = await startApp({ mount: mountSites });
    const res = await fetch(`${h.base}/api/v1/sites/crash/now`, { headers: { 'x-request-id': 'crash-1' } });
    expect(res.status).to.equal(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('INTERNAL');
    expect(body.error.message).not.to.contain('exploded');
    const logged = h.logLines.find((l) => l.level === 'error');
    expect(logged).to.include({ requestId: 'crash-1', error: 'database exploded' });
    expect(logged?.stack).to.contain('database exploded');
  });
});
