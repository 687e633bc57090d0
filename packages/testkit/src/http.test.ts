/**
 * Tests for waitForHttp against a real HTTP server on loopback.
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { expect } from 'chai';
import { waitForHttp } from './http';
import { freePort } from './ports';

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: Error) => err,
  );
}

describe('waitForHttp', () => {
  it('keeps polling until the server answers with the expected status, sending the given headers', async () => {
    let calls = 0;
    const seenAuth: (string | undefined)[] = [];
    const server = await serve((req, res) => {
      calls++;
      seenAuth.push(req.headers.authorization);
      res.statusCode = calls < 3 ? 503 : 200;
      res.end('ok');
    });
    try {
      const response = await waitForHttp(server.url, {
        intervalMs: 20,
        headers: { authorization: 'Bearer t' },
      });
      expect(response.status).to.equal(200);
      expect(await response.text()).to.equal('ok');
      expect(calls).to.equal(3);
      expect(seenAuth).to.deep.equal(['Bearer t', 'Bearer t', 'Bearer t']);
    } finally {
      await server.close();
    }
  });

  it('accepts a status other than 200 as the ready signal', async () => {
    const server = await serve((_req, res) => {
      res.statusCode = 401;
      res.end();
    });
    try {
      expect((await waitForHttp(server.url, { status: 401 })).status).to.equal(401);
    } finally {
      await server.close();
    }
  });

  it('times out with the last status seen', async () => {
    const server = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    try {
      // Long enough for the first fetch to complete on a loaded machine (undici's first request is slow there);
      // a probe cut short by the deadline would report the abort instead of the status.
      const error = await rejectionOf(waitForHttp(server.url, { timeoutMs: 3000, intervalMs: 20 }));
      expect(error.message)
        .to.contain(server.url)
        .and.to.contain('within 3000 ms')
        .and.to.contain('last: status 503');
    } finally {
      await server.close();
    }
  });

  it('times out with the connection error when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    const error = await rejectionOf(waitForHttp(url, { timeoutMs: 3000, intervalMs: 20 }));
    expect(error.message).to.match(/last: error: .*ECONNREFUSED/);
  });
});
