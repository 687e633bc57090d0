/**
 * A loopback port where connecting times out, for testing connect timeouts without leaving the machine: nothing
 * on loopback normally drops packets, so the accept queue of a stopped listener is filled instead.
 */
import net from 'node:net';
import { startProcess } from './process';

/** A loopback port whose connections are never accepted, from {@link startUnacceptingPort}. */
export interface UnacceptingPort {
  host: string;
  port: number;
  /** Resume and stop the listener process by PID. Idempotent. */
  stop(): Promise<void>;
}

const BACKLOG_LISTENER = `require('node:net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 },
  function () { process.stdout.write('port ' + this.address().port + '\\n'); });`;

/**
 * A port where a TCP connect hangs until the client gives up, as to a printer that is off behind a firewall
 * that drops packets. A child Node process listens with a backlog of 1 and is then stopped (SIGSTOP), and a few
 * connections fill its accept queue, so the kernel drops every further SYN. Used to test connect timeouts on
 * loopback.
 */
export async function startUnacceptingPort(): Promise<UnacceptingPort> {
  const listener = startProcess({
    name: 'unaccepting-port',
    command: process.execPath,
    args: ['-e', BACKLOG_LISTENER],
  });
  const port = Number((await listener.waitForLine(/^port (\d+)$/, 10_000, 'stdout'))[1]);
  listener.kill('SIGSTOP');
  const fillers = Array.from({ length: 4 }, () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    socket.unref();
    return socket;
  });
  // The first connections complete into the accept queue; give the kernel a moment to fill it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    stop() {
      stopping ??= (async () => {
        for (const socket of fillers) socket.destroy();
        listener.kill('SIGCONT');
        await listener.stop();
      })();
      return stopping;
    },
  };
}
