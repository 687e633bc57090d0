/**
 * The IPP listener's HTTP layer: chunked and Content-Length bodies, Expect: 100-continue answered only for
 * acceptable requests, keep-alive across requests (also after a refused Print-Job whose body was never read),
 * large documents streamed intact, malformed bodies answered in IPP, the GET page, Basic authentication,
 * metrics, and a clean stop.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { decodeIppMessage, encodeIppMessage, IppOperation, IppStatus, IppTag } from '@quire/common';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import {
  ippRequest,
  minimalPdf,
  postBytes,
  sendIpp,
  startTestIppServer,
  type TestIppServer,
} from './ipp-harness';

/** One HTTP/1.1 exchange at a time over a single raw socket, so tests can see keep-alive and 100 Continue. */
class RawHttpConnection {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((wake) => wake());
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawHttpConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** Wait until `test` finds what it needs in the received bytes, or the socket closes. */
  private async waitFor<T>(test: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = test();
      if (found !== undefined) return found;
      if (this.closed) throw new Error(`connection closed; received: ${this.buffer.toString('latin1')}`);
      if (Date.now() > deadline) throw new Error(`timed out; received: ${this.buffer.toString('latin1')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Read one response (status line, headers, Content-Length body). */
  async readResponse(): Promise<{ status: number; headers: string; body: Buffer }> {
    return this.waitFor(() => {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const headers = this.buffer.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]);
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
      if (this.buffer.length < end + 4 + length) return undefined;
      const body = this.buffer.subarray(end + 4, end + 4 + length);
      this.buffer = this.buffer.subarray(end + 4 + length);
      return { status, headers, body };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function postHead(length: number, extra = ''): string {
  return `POST /printers/Default HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/ipp\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

describe('IPP listener over HTTP', () => {
  let server: TestIppServer;
  const pdf = minimalPdf();
  const printJob = (queue = 'Default', user = 'alice') =>
    encodeIppMessage(ippRequest(IppOperation.PrintJob, server.printerUri(queue), user));

  beforeEach(async () => {
    server = await startTestIppServer();
  });
  afterEach(() => server.stop());

  it('takes chunked and Content-Length uploads, streaming a 20 MB document intact', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 'quire ');
    const chunked = await postBytes(server.port, Buffer.concat([printJob(), big]), { chunked: true });
    expect(decodeIppMessage(chunked.body).message.code).to.equal(IppStatus.SuccessfulOk);
    const sized = await postBytes(server.port, Buffer.concat([printJob(), pdf]));
    expect(decodeIppMessage(sized.body).message.code).to.equal(IppStatus.SuccessfulOk);
    expect(server.intake.jobs.map((j) => j.view.sha256)).to.deep.equal([
      createHash('sha256').update(big).digest('hex'),
      createHash('sha256').update(pdf).digest('hex'),
    ]);
  });

  it('answers Expect: 100-continue before the body, and refuses a wrong Content-Type without it', async () => {
    const body = Buffer.concat([printJob(), pdf]);
    const connection = await RawHttpConnection.open(server.port);
    connection.write(postHead(body.length, 'Expect: 100-continue\r\n'));
    const interim = await connection.readResponse();
    expect(interim.status).to.equal(100);
    connection.write(body);
    const final = await connection.readResponse();
    expect(final.status).to.equal(200);
    expect(decodeIppMessage(final.body).message.code).to.equal(IppStatus.SuccessfulOk);
    connection.close();
    const wrong = await RawHttpConnection.open(server.port);
    wrong.write(postHead(10, 'Expect: 100-continue\r\n').replace('application/ipp', 'text/plain'));
    expect((await wrong.readResponse()).status).to.equal(400);
    wrong.close();
  });

  it('keeps the connection alive across requests, also after a refused job whose body it never read', async () => {
    const connection = await RawHttpConnection.open(server.port);
    const refused = Buffer.concat([printJob('Offline'), Buffer.alloc(3 * 1024 * 1024, 1)]);
    connection.write(postHead(refused.length));
    connection.write(refused);
    const first = await connection.readResponse();
    expect(decodeIppMessage(first.body).message.code).to.equal(IppStatus.ServerErrorNotAcceptingJobs);
    for (let i = 0; i < 3; i++) {
      const body = Buffer.concat([printJob(), pdf]);
      connection.write(postHead(body.length));
      connection.write(body);
      const answer = await connection.readResponse();
      expect(decodeIppMessage(answer.body).message.code).to.equal(IppStatus.SuccessfulOk);
    }
    expect(connection.closed).to.equal(false);
    expect(server.intake.jobs).to.have.length(3);
    connection.close();
  });

  it('answers a malformed body with an IPP bad-request that echoes the request id', async () => {
    const truncated = printJob().subarray(0, 40);
    const answer = await postBytes(server.port, truncated);
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/ipp');
    const response = decodeIppMessage(answer.body).message;
    expect(response.code).to.equal(IppStatus.ClientErrorBadRequest);
    expect(response.requestId).to.equal(1);
    expect(response.operation?.getString('status-message')).to.match(/truncated/);
  });

  it('serves a plain-text page to GET and refuses other methods and content types', async () => {
    const get = (path: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const connection = net.connect(server.port, '127.0.0.1', () =>
          connection.end(
            `GET ${path} HTTP/1.1\r\nHost: localhost:${server.port}\r\nConnection: close\r\n\r\n`,
          ),
        );
        const chunks: Buffer[] = [];
        connection.on('data', (chunk: Buffer) => chunks.push(chunk));
        connection.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: Number(text.slice(9, 12)), text });
        });
        connection.on('error', reject);
      });
    const index = await get('/');
    expect(index.status).to.equal(200);
    expect(index.text).to.contain(`ipp://localhost:${server.port}/printers/Default`);
    expect(index.text).to.match(/Offline \(direct queue, offline, not accepting jobs\)/);
    expect((await get('/printers/Default')).status).to.equal(200);
    expect((await get('/printers/Nope')).status).to.equal(404);
    const put = await postBytes(server.port, printJob(), { headers: { 'Content-Type': 'text/plain' } });
    expect(put.status).to.equal(400);
  });

  it('checks HTTP Basic credentials when a verifier is configured, and the authenticated user owns the job', async () => {
    await server.stop();
    server = await startTestIppServer({
      authenticateUser: async (user, password) => user === 'carol' && password === 'secret',
    });
    const body = Buffer.concat([printJob('Default', 'pretender'), pdf]);
    const basic = (credentials: string) => ({
      Authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
    });
    const refused = await postBytes(server.port, body, { headers: basic('carol:wrong') });
    expect(refused.status).to.equal(401);
    expect(refused.headers['www-authenticate']).to.match(/^Basic/);
    const accepted = await postBytes(server.port, body, { headers: basic('carol:secret') });
    expect(decodeIppMessage(accepted.body).message.code).to.equal(IppStatus.SuccessfulOk);
    expect(server.intake.jobs[0].incoming.senderUser).to.equal('carol');
    const anonymous = await postBytes(server.port, body);
    expect(decodeIppMessage(anonymous.body).message.code).to.equal(IppStatus.SuccessfulOk);
    expect(server.intake.jobs[1].incoming.senderUser).to.equal('pretender');
  });

  it('counts requests by operation and status, and stops listening on stop()', async () => {
    await server.stop();
    const metrics = new Registry();
    server = await startTestIppServer({ metrics });
    await sendIpp(server.port, ippRequest(IppOperation.PrintJob, server.printerUri(), 'alice'), pdf);
    await sendIpp(server.port, ippRequest(IppOperation.PrintJob, server.printerUri('Offline'), 'alice'), pdf);
    const text = await metrics.metrics();
    expect(text).to.contain('quire_ipp_requests_total{operation="Print-Job",status="successful-ok"} 1');
    expect(text).to.contain(
      'quire_ipp_requests_total{operation="Print-Job",status="server-error-not-accepting-jobs"} 1',
    );
    const response = await sendIpp(
      server.port,
      ippRequest(IppOperation.GetPrinterAttributes, server.printerUri()),
    );
    expect(response.group(IppTag.PrinterAttributes)).to.not.equal(undefined);
    await server.stop();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(true));
    });
    expect(refused).to.equal(true);
  });
});
