/**
 * The HTTP listener with a graceful close.
 *
 * `close` stops accepting connections at once, closes idle keep-alive connections, lets requests in flight
 * finish (their connections are closed as soon as each response is done), and after the timeout closes whatever
 * is left, so a stuck client can never hold a shutdown hostage.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Anything Node's HTTP server can hand requests to, such as an Express app. */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** One HTTP server instance: listen once, close once. */
export class HttpServer {
  private server: Server | undefined;
  private closing: Promise<void> | undefined;

  /** Start listening; resolves with the port actually bound (useful with port 0). */
  async listen(app: NodeRequestListener, host: string, port: number): Promise<number> {
    if (this.server) throw new Error('HttpServer.listen called twice');
    const server = createServer((req, res) => {
      // A request that arrives on a kept-alive connection during shutdown is served, then its connection closed.
      if (this.closing) res.shouldKeepAlive = false;
      res.once('finish', () => this.closeIdleWhileClosing());
      app(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** The bound port, or undefined before `listen` and after `close`. */
  get port(): number | undefined {
    const address = this.server?.listening ? this.server.address() : null;
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /**
   * Stop accepting, let in-flight requests finish for up to `timeoutMs`, then force-close what remains.
   * Calling it again returns the same promise.
   */
  close(timeoutMs: number): Promise<void> {
    if (!this.closing) this.closing = this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    try {
      await closed;
    } finally {
      clearTimeout(force);
    }
  }

  /** After a response finishes during shutdown its connection is idle; close it rather than wait for keep-alive. */
  private closeIdleWhileClosing(): void {
    const server = this.server;
    if (this.closing && server) setImmediate(() => server.closeIdleConnections());
  }
}
