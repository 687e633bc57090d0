/**
 * One attempt at a `Federation.Session` with central, from hello to the final status.
 *
 * The attempt sends hello, waits for welcome, then heartbeats at the interval central announced and watches for
 * silence. It always resolves (never rejects) with how it ended, so the reconnect loop in CentralLink has a
 * single place to decide what comes next. Silence, an abort (site stopping) and a stream error all end the call
 * and close the channel, so nothing outlives the attempt.
 */
import * as grpc from '@grpc/grpc-js';
import type { LinkChannel, LinkParticipant } from './link-participant';
import {
  int64ToNumber,
  PROTOCOL_VERSION,
  siteSessionMetadata,
  type CentralMessage__Output,
  type FederationClient,
  type Hello,
  type SiteMessage,
  type Welcome__Output,
} from '@quire/shared-proto';

/** How one session attempt ended. */
export interface LinkSessionResult {
  /** True when central answered with welcome, so the backoff starts over. */
  established: boolean;
  code: grpc.status;
  details: string;
}

/** Inputs of one session attempt. */
export interface LinkSessionParams {
  client: FederationClient;
  siteId: string;
  credential: string;
  siteName: string;
  siteVersion: string;
  startedAt: Date;
  /** Used until central's welcome announces its own interval. */
  heartbeatSeconds: number;
  heartbeatTimeoutSeconds: number;
  signal: AbortSignal;
  /** The replicating parts of the site; `helloFields` holds what they add to hello for this attempt. */
  participants?: readonly LinkParticipant[];
  helloFields?: Partial<Hello>;
  onWelcome(welcome: Welcome__Output): void;
  onHeartbeat(): void;
}

/** Run one session attempt; resolves when the stream has ended for any reason. */
export function runLinkSession(params: LinkSessionParams): Promise<LinkSessionResult> {
  return new Promise((resolve) => {
    const call = params.client.Session(siteSessionMetadata(params.siteId, params.credential));
    let established = false;
    let settled = false;
    let heartbeatTimer: NodeJS.Timeout | null = null;
    let silenceTimer: NodeJS.Timeout | null = null;
    const participants = params.participants ?? [];
    let drainWaiters: Array<() => void> = [];
    const releaseDrain = (): void => {
      const waiters = drainWaiters;
      drainWaiters = [];
      for (const resolve of waiters) resolve();
    };
    const channel: LinkChannel = {
      send: (message) => (settled ? false : call.write(message)),
      drained: () =>
        settled ? Promise.resolve() : new Promise<void>((resolve) => drainWaiters.push(resolve)),
      fail: (reason) => finish(grpc.status.INTERNAL, reason),
      get open() {
        return !settled;
      },
    };

    const finish = (code: grpc.status, details: string): void => {
      if (settled) return;
      settled = true;
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      if (silenceTimer) clearTimeout(silenceTimer);
      params.signal.removeEventListener('abort', onAbort);
      call.cancel();
      releaseDrain();
      if (established) for (const p of participants) callSafely(() => p.onClosed?.());
      resolve({ established, code, details });
    };
    const onAbort = (): void => finish(grpc.status.CANCELLED, 'the site is stopping');
    const armSilence = (seconds: number): void => {
      if (silenceTimer) clearTimeout(silenceTimer);
      silenceTimer = setTimeout(
        () => finish(grpc.status.DEADLINE_EXCEEDED, `no message from central for ${seconds}s`),
        seconds * 1000,
      );
    };
    let silenceSeconds = params.heartbeatTimeoutSeconds;

    const onMessage = (message: CentralMessage__Output): void => {
      if (settled) return;
      armSilence(silenceSeconds);
      if (established) {
        if (message.payload === 'heartbeat') params.onHeartbeat();
        else
          for (const p of participants) {
            const failure = callSafely(() => p.onMessage?.(message));
            if (failure)
              return finish(grpc.status.INTERNAL, `the site failed to handle a message: ${failure}`);
          }
        return;
      }
      if (message.payload !== 'welcome' || !message.welcome) {
        finish(grpc.status.INTERNAL, 'central did not answer hello with welcome');
        return;
      }
      established = true;
      const interval =
        message.welcome.heartbeatSeconds > 0 ? message.welcome.heartbeatSeconds : params.heartbeatSeconds;
      // Central may heartbeat less often than this site's own setting; never time out between two of its beats.
      silenceSeconds = Math.max(params.heartbeatTimeoutSeconds, 2 * interval);
      armSilence(silenceSeconds);
      heartbeatTimer = setInterval(
        () => sendHeartbeat(call, params.startedAt, participants),
        interval * 1000,
      );
      params.onWelcome(message.welcome);
      for (const p of participants) callSafely(() => p.onEstablished?.(channel, message.welcome!));
    };

    params.signal.addEventListener('abort', onAbort);
    call.on('data', onMessage);
    call.on('drain', releaseDrain);
    call.on('status', (status: grpc.StatusObject) => finish(status.code, status.details));
    // Errors are reported again, with their code, by the 'status' event handled above.
    call.on('error', () => undefined);
    armSilence(silenceSeconds);
    call.write({
      hello: {
        ...params.helloFields,
        siteId: params.siteId,
        siteName: params.siteName,
        siteVersion: params.siteVersion,
        protocolVersion: PROTOCOL_VERSION,
        startedAtMs: params.startedAt.getTime(),
      },
    });
    if (params.signal.aborted) onAbort();
  });
}

function sendHeartbeat(
  call: grpc.ClientDuplexStream<SiteMessage, CentralMessage__Output>,
  startedAt: Date,
  participants: readonly LinkParticipant[],
): void {
  const extra = Object.assign({}, ...participants.map((p) => p.heartbeat?.() ?? {}));
  call.write({
    heartbeat: {
      ...extra,
      sentAtMs: Date.now(),
      uptimeS: Math.floor((Date.now() - startedAt.getTime()) / 1000),
      rssBytes: process.memoryUsage.rss(),
    },
  });
}

/** Central's clock minus ours, in ms, from a welcome; null when central did not send its time. */
export function clockSkewMs(welcome: Welcome__Output): number | null {
  const serverTime = int64ToNumber(welcome.serverTimeMs);
  return serverTime ? serverTime - Date.now() : null;
}

/** Run a participant's callback; returns the error's message when it threw, else null. */
function callSafely(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
