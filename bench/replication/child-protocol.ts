/**
 * The benchmark's central runs in a process of its own (central-child.ts), as it does in production, so site and
 * central each get their own event loop on this 2-core machine. This is the request/reply protocol between the
 * benchmark (parent, child-handle.ts) and that child over Node's IPC channel, and the child's side of it. It
 * imports nothing heavy, so the child starts quickly.
 */

/** What the child runs. */
export interface ChildConfig {
  /** `central`: Quire's central with the replication inbox; `bare-up`: the anchor that acks without storing;
   * `directory`: Quire's central directory with its publisher (and, on request, the bare directory anchor). */
  mode: 'central' | 'bare-up' | 'directory';
  /** Central's database (`sqlite:` or `mysql://`); unused by `bare-up`. */
  dbUrl: string;
  /** A scratch directory of the child's own (lookup key file, log). */
  dataDir: string;
  /** The gRPC port to bind on 127.0.0.1 (0: any free one). */
  port: number;
}

/** A request to the child: a command name and its arguments. */
export interface ChildRequest {
  command: string;
  args?: Record<string, unknown>;
}

/** A request as it travels, numbered so its reply can name it. */
export interface Envelope extends ChildRequest {
  id: number;
}

/** The child's reply to one request (id 0: the child failed to start). */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The child's first message: its gRPC port. */
export interface Ready {
  ready: number;
}

/** Child side: a command's handler. */
export type CommandHandler = (args: Record<string, unknown>) => Promise<unknown>;

/**
 * Child side: announce `port`, then answer each request with its handler. `stop` is always known: it runs
 * `close` and exits.
 */
export function serveParent(
  port: number,
  handlers: Record<string, CommandHandler>,
  close: () => Promise<void>,
): void {
  const send = (message: Reply | Ready) => process.send?.(message);
  process.on('message', (envelope: Envelope) => {
    if (envelope.command === 'stop') {
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`central child: could not stop cleanly: ${String(err)}\n`);
          process.exit(1);
        },
      );
      return;
    }
    const handler = handlers[envelope.command];
    const run = handler
      ? handler(envelope.args ?? {})
      : Promise.reject(new Error(`unknown command ${envelope.command}`));
    run.then(
      (value) => send({ id: envelope.id, ok: true, value: value ?? null }),
      (err: unknown) =>
        send({
          id: envelope.id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        }),
    );
  });
  send({ ready: port });
}
