/**
 * One site's Session stream on central, from the first metadata check to the final status.
 *
 * The order is fixed by the protocol: authenticate the call metadata, require `hello` as the first message,
 * answer `welcome`, then exchange heartbeats. Every way out (bad credential, protocol violation, silence, a newer
 * session, an operator disconnect, the site hanging up, central stopping) goes through `finish`, which runs once,
 * clears the timers, detaches from the registry and counts the outcome. Nothing a site sends can throw out of
 * here: a malformed stream ends with a status, never with an exception in the server.
 */
import * as grpc from '@grpc/grpc-js';
import { describeError, type Logger } from '@quire/common';
import {
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  readSiteSessionMetadata,
  type CentralMessage,
  type Hello__Output,
  type SiteMessage__Output,
} from '@quire/shared-proto';
import type { SessionOutcome } from './federation-metrics';
import type { SessionChannel, SessionParticipant, SessionParticipantFactory } from './session-participant';
import type { RegisteredSession, SessionEndKind, SiteSessionRegistry } from './session-registry';
import type { AuthenticatedSite, SiteAuthority } from './site-authority';

/** The server-side duplex call of `Federation.Session`. */
export type SessionCall = grpc.ServerDuplexStream<SiteMessage__Output, CentralMessage>;

/** What a SiteSession needs from the server that accepted it. */
export interface SiteSessionContext {
  authority: Pick<SiteAuthority, 'authenticate'>;
  registry: SiteSessionRegistry;
  logger: Logger;
  centralVersion: string;
  heartbeatSeconds: number;
  heartbeatTimeoutSeconds: number;
  /** The replicating parts of central, one participant each per session. */
  participants?: readonly SessionParticipantFactory[];
  /** mTLS: why the TLS peer may not act as `siteId`, or null; runs in addition to the credential check. */
  checkPeer?(call: SessionCall, siteId: string): Promise<string | null>;
  /** Called once when the session has ended, with how it ended. */
  onFinished(session: SiteSession, outcome: SessionOutcome): void;
}

/** The lifecycle of one `Federation.Session` call on central. */
export class SiteSession implements RegisteredSession {
  readonly remoteAddr: string;
  siteId = '';
  siteName = '';
  siteVersion = '';
  connectedAt = new Date(0);
  private established = false;
  private welcoming = false;
  private finished = false;
  private participants: SessionParticipant[] = [];
  // Messages that arrive while the welcome is being prepared, handled once it is sent.
  private early: SiteMessage__Output[] = [];
  private drainWaiters: Array<() => void> = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly call: SessionCall,
    private readonly context: SiteSessionContext,
  ) {
    this.remoteAddr = call.getPeer();
  }

  /** Authenticate the call and start listening; resolves once the session is established or has ended. */
  async start(): Promise<void> {
    this.call.on('cancelled', () => this.finish(grpc.status.CANCELLED, 'the site went away', 'closed'));
    this.call.on('error', (err: unknown) => this.finish(grpc.status.INTERNAL, describeError(err), 'error'));
    const site = await this.authenticate();
    if (!site || this.finished) return;
    this.siteId = site.id;
    this.siteName = site.name;
    this.call.on('data', (message: SiteMessage__Output) => this.onMessage(message));
    this.call.on('end', () => this.finish(grpc.status.OK, 'the site ended the session', 'closed'));
    this.armSilenceTimer();
  }

  /** End the stream from outside: replaced by a newer session, or disconnected (revocation, shutdown). */
  end(kind: SessionEndKind, reason: string): void {
    if (kind === 'replaced') this.finish(grpc.status.ABORTED, reason, 'replaced');
    // UNAUTHENTICATED, as the credential check would answer from now on: the site gives up instead of retrying.
    else if (kind === 'revoked') this.finish(grpc.status.UNAUTHENTICATED, reason, 'disconnected');
    else this.finish(grpc.status.UNAVAILABLE, reason, 'disconnected');
  }

  private async authenticate(): Promise<AuthenticatedSite | null> {
    const presented = readSiteSessionMetadata(this.call.metadata);
    if (!presented) {
      this.finish(
        grpc.status.UNAUTHENTICATED,
        'missing site credential: send x-quire-site-id and authorization: Bearer <credential> metadata',
        'unauthenticated',
      );
      return null;
    }
    try {
      const peerRefusal = await this.context.checkPeer?.(this.call, presented.siteId);
      if (peerRefusal) {
        this.context.logger.warn('federation session refused: client certificate', {
          siteId: presented.siteId,
          remoteAddr: this.remoteAddr,
          reason: peerRefusal,
        });
        this.finish(grpc.status.UNAUTHENTICATED, peerRefusal, 'unauthenticated');
        return null;
      }
      const site = await this.context.authority.authenticate(presented.siteId, presented.credential);
      if (!site) {
        this.context.logger.warn('federation session refused: unknown or revoked site credential', {
          siteId: presented.siteId,
          remoteAddr: this.remoteAddr,
        });
        this.finish(grpc.status.UNAUTHENTICATED, 'unknown or revoked site credential', 'unauthenticated');
      }
      return site;
    } catch (err) {
      this.context.logger.error('could not check a site credential', {
        siteId: presented.siteId,
        error: describeError(err),
      });
      this.finish(
        grpc.status.UNAVAILABLE,
        'central could not check the site credential; retry later',
        'unavailable',
      );
      return null;
    }
  }

  private onMessage(message: SiteMessage__Output): void {
    if (this.finished) return;
    try {
      this.armSilenceTimer();
      if (this.welcoming) {
        this.early.push(message);
        return;
      }
      if (!this.established) {
        this.onFirstMessage(message);
        return;
      }
      if (message.payload === 'heartbeat') {
        this.context.registry.touch(this);
        const heartbeat = message.heartbeat;
        if (heartbeat) for (const p of this.participants) p.onHeartbeat?.(heartbeat);
      } else if (message.payload === 'hello') {
        this.finish(
          grpc.status.INVALID_ARGUMENT,
          'hello may only be the first message of a session',
          'invalid',
        );
      } else {
        // A newer site may send payloads this central does not know yet; they still prove the site is alive.
        this.context.registry.touch(this);
        for (const p of this.participants) p.onMessage?.(message);
      }
    } catch (err) {
      this.context.logger.error('federation session message handling failed', {
        siteId: this.siteId,
        error: describeError(err),
      });
      this.finish(grpc.status.INTERNAL, 'central failed to handle a message', 'error');
    }
  }

  private onFirstMessage(message: SiteMessage__Output): void {
    if (message.payload !== 'hello' || !message.hello) {
      this.finish(grpc.status.INVALID_ARGUMENT, 'the first message of a session must be hello', 'invalid');
      return;
    }
    const problem = this.checkHello(message.hello);
    if (problem) {
      this.finish(problem.code, problem.details, 'invalid');
      return;
    }
    this.siteVersion = message.hello.siteVersion;
    const hello = message.hello;
    const channel = this.channel();
    this.participants = (this.context.participants ?? []).map((make) => make(channel, hello));
    this.welcoming = true;
    void Promise.all(this.participants.map((p) => p.welcome?.() ?? Promise.resolve({})))
      .then((parts) => this.sendWelcome(hello, Object.assign({}, ...parts)))
      .catch((err: unknown) => {
        this.context.logger.error('could not prepare the welcome of a site session', {
          siteId: this.siteId,
          error: describeError(err),
        });
        this.finish(grpc.status.UNAVAILABLE, 'central could not prepare the session; retry later', 'error');
      });
  }

  private sendWelcome(hello: Hello__Output, extra: Partial<CentralMessage['welcome']>): void {
    this.welcoming = false;
    if (this.finished) return;
    this.connectedAt = new Date();
    this.established = true;
    this.context.registry.attach(this);
    if (this.finished) return;
    this.send({
      welcome: {
        ...extra,
        centralVersion: this.context.centralVersion,
        protocolVersion: PROTOCOL_VERSION,
        heartbeatSeconds: this.context.heartbeatSeconds,
        serverTimeMs: Date.now(),
      },
    });
    this.heartbeatTimer = setInterval(
      () => this.send({ heartbeat: { sentAtMs: Date.now() } }),
      this.context.heartbeatSeconds * 1000,
    );
    this.context.logger.info('federation session established', {
      siteId: this.siteId,
      siteName: this.siteName,
      siteVersion: this.siteVersion,
      protocolVersion: hello.protocolVersion,
      remoteAddr: this.remoteAddr,
    });
    for (const p of this.participants) p.onEstablished?.();
    const early = this.early;
    this.early = [];
    for (const queued of early) this.onMessage(queued);
  }

  /** The session as participants see it. */
  private channel(): SessionChannel {
    this.call.on('drain', () => this.releaseDrainWaiters());
    const isOpen = (): boolean => !this.finished;
    return {
      siteId: this.siteId,
      siteName: this.siteName,
      send: (message) => this.send(message),
      drained: () =>
        this.finished ? Promise.resolve() : new Promise<void>((resolve) => this.drainWaiters.push(resolve)),
      fail: (reason, internal) =>
        this.finish(
          internal ? grpc.status.INTERNAL : grpc.status.INVALID_ARGUMENT,
          reason,
          internal ? 'error' : 'invalid',
        ),
      get open() {
        return isOpen();
      },
    };
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private checkHello(hello: Hello__Output): { code: grpc.status; details: string } | null {
    if (hello.siteId !== this.siteId) {
      return {
        code: grpc.status.INVALID_ARGUMENT,
        details: 'hello.site_id does not match the x-quire-site-id metadata',
      };
    }
    if (hello.protocolVersion < MIN_PROTOCOL_VERSION) {
      return {
        code: grpc.status.FAILED_PRECONDITION,
        details: `protocol version ${hello.protocolVersion} is too old; central accepts ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}: upgrade the site`,
      };
    }
    return null;
  }

  private send(message: CentralMessage): boolean {
    if (this.finished) return false;
    return this.call.write(message);
  }

  private armSilenceTimer(): void {
    if (this.silenceTimer) {
      this.silenceTimer.refresh();
      return;
    }
    const timeoutSeconds = this.context.heartbeatTimeoutSeconds;
    this.silenceTimer = setTimeout(() => {
      this.context.logger.warn('federation session timed out: no message from the site', {
        siteId: this.siteId,
        timeoutSeconds,
        remoteAddr: this.remoteAddr,
      });
      this.finish(grpc.status.UNAVAILABLE, `no message from the site for ${timeoutSeconds}s`, 'timeout');
    }, timeoutSeconds * 1000);
  }

  private finish(code: grpc.status, details: string, outcome: SessionOutcome): void {
    if (this.finished) return;
    this.finished = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.releaseDrainWaiters();
    for (const p of this.participants) {
      try {
        p.onClosed?.();
      } catch (err) {
        this.context.logger.error('a federation participant failed to close', { error: describeError(err) });
      }
    }
    if (this.established) {
      this.context.registry.detach(this);
      this.context.logger.info('federation session ended', { siteId: this.siteId, outcome, reason: details });
    }
    this.context.onFinished(this, outcome);
    this.closeCall(code, details);
  }

  private closeCall(code: grpc.status, details: string): void {
    try {
      if (code === grpc.status.OK) {
        this.call.end();
      } else if (!this.call.cancelled) {
        // grpc-js turns an 'error' on a server stream into the call's final status.
        this.call.emit('error', { code, details, metadata: new grpc.Metadata() });
      }
    } catch (err) {
      this.context.logger.debug('federation session was already closed', { error: describeError(err) });
    }
  }
}
