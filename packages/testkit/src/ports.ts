/**
 * Picks free TCP ports on loopback, so that test services never collide with each other or with real ones.
 */
import net from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago: the kernel picks it for a listener on port 0, which is
 * closed again before returning. Another process could still take it before the caller binds, but the kernel
 * hands out ephemeral ports in rotation, so the window is small enough for tests.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`no port assigned on ${host}`))));
    });
  });
}
