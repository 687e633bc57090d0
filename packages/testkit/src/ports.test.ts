/**
 * Tests for freePort: the port it returns is really free and bindable on loopback.
 */
import net from 'node:net';
import { expect } from 'chai';
import { freePort } from './ports';

function listenOn(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

describe('freePort', () => {
  it('returns a port that a new server can bind on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).to.be.within(1, 65535);
    const server = await listenOn(port, '127.0.0.1');
    try {
      expect((server.address() as net.AddressInfo).port).to.equal(port);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects for a host that is not a local address', async () => {
    const error = await freePort('192.0.2.1').then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err,
    );
    expect(error?.code).to.equal('EADDRNOTAVAIL');
  });
});
