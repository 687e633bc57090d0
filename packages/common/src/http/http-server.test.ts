/**
 * HttpServer's graceful close: requests in flight finish, new connections are refused, idle keep-alive
 * connections do not delay the close, and a request that outlives the timeout is cut off.
 */
import { expect } from 'chai';
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { HttpServer } from './http-server';

/** A handler that answers `/slow?ms=N` after N ms and everything else at once. */
function slowApp(req: IncomingMessage, res: ServerResponse): void {
  const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
  setTimeout(() => res.end('done'), ms);
}

/** GET (by default on a fresh, unpooled connection), resolving with status and body or rejecting on a socket error. */
function get(
  port: number,
  path: string,
  agent: Agent | false = false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('HttpServer', () => {
  it('listens on an ephemeral port and reports it', async () => {
    const server = new HttpServer();
    const port = await server.listen(slowApp, '127.0.0.1', 0);
    expect(port).to.be.greaterThan(0);
    expect(server.port).to.equal(port);
    expect(await get(port, '/')).to.deep.equal({ status: 200, body: 'done' });
    await server.close(1000);
    expect(server.port).to.equal(undefined);
  });

  it('lets an in-flight request finish during close and refuses new connections', async () => {
    const server = new HttpServer();
    const port = await server.listen(slowApp, '127.0.0.1', 0);
    // A keep-alive client: its connection must be closed as soon as the response is done, not kept for 5 s.
    const agent = new Agent({ keepAlive: true });
    try {
      const inFlight = get(port, '/slow?ms=300', agent);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      const closing = server.close(5000);
      expect(await connectionRefused(port)).to.equal(true);
      expect(await inFlight).to.deep.equal({ status: 200, body: 'done' });
      await closing;
      expect(Date.now() - started).to.be.lessThan(1500);
    } finally {
      agent.destroy();
    }
  });

  it('does not wait for idle keep-alive connections', async () => {
    const server = new HttpServer();
    const port = await server.listen(slowApp, '127.0.0.1', 0);
    const agent = new Agent({ keepAlive: true });
    try {
      await new Promise<void>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });
      const started = Date.now();
      await server.close(5000);
      expect(Date.now() - started).to.be.lessThan(1000);
    } finally {
      agent.destroy();
    }
  });

  it('closes a request still running when the timeout expires', async () => {
    const server = new HttpServer();
    const port = await server.listen(slowApp, '127.0.0.1', 0);
    const stuck = get(port, '/slow?ms=5000').then(
      () => 'answered',
      (err: NodeJS.ErrnoException) => err.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close(200);
    expect(Date.now() - started).to.be.within(150, 2000);
    expect(await stuck).to.equal('ECONNRESET');
  });

  it('rejects with EADDRINUSE when the port is taken, and can listen elsewhere afterwards', async () => {
    const first = new HttpServer();
    const port = await first.listen(slowApp, '127.0.0.1', 0);
    const second = new HttpServer();
    try {
      const error = await second.listen(slowApp, '127.0.0.1', port).then(
        () => undefined,
        (err: NodeJS.ErrnoException) => err.code,
      );
      expect(error).to.equal('EADDRINUSE');
      expect(await second.listen(slowApp, '127.0.0.1', 0)).to.be.greaterThan(0);
    } finally {
      await second.close(1000);
      await first.close(1000);
    }
  });

  it('returns the same promise when close is called twice, and closes an unstarted server at once', async () => {
    const server = new HttpServer();
    await server.listen(slowApp, '127.0.0.1', 0);
    expect(server.close(1000)).to.equal(server.close(1000));
    await server.close(1000);
    await new HttpServer().close(1000);
  });
});
