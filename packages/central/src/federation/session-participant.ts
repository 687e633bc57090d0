/**
 * How the replicating parts of central (the outbox inbox, the directory and template publishers) take part in a
 * site's session without knowing about its stream, authentication or timers. SiteSession creates one participant
 * per factory once the site's hello is accepted, asks each for its welcome fields, and then hands each every
 * message that is not hello or a heartbeat.
 */
import type {
  CentralMessage,
  Hello__Output,
  SiteHeartbeat__Output,
  SiteMessage__Output,
  Welcome,
} from '@quire/shared-proto';

/** One established site session, as a participant uses it. */
export interface SessionChannel {
  /** The authenticated site: records a participant stores are always this site's, whatever a message says. */
  readonly siteId: string;
  readonly siteName: string;
  /** Queue `message`; false when the stream's buffer is full: wait for `drained()` before sending more. */
  send(message: CentralMessage): boolean;
  /** Resolves when the stream can take more, or when the session has ended. */
  drained(): Promise<void>;
  /** End the session because the site broke the protocol (INVALID_ARGUMENT) or central failed (INTERNAL). */
  fail(reason: string, internal?: boolean): void;
  /** False once the session has ended. */
  readonly open: boolean;
}

/** One replicating part of central, for one session. Every method is optional. */
export interface SessionParticipant {
  /** Welcome fields (the applied outbox sequence); awaited before welcome is sent. */
  welcome?(): Promise<Partial<Welcome>>;
  /** Welcome has been sent: the participant may start sending. */
  onEstablished?(): void;
  /** A message other than hello and heartbeats; each participant ignores payloads not its own. */
  onMessage?(message: SiteMessage__Output): void;
  onHeartbeat?(heartbeat: SiteHeartbeat__Output): void;
  /** The session ended (any reason). */
  onClosed?(): void;
}

/** Makes the participant of one session from its channel and the site's hello. */
export type SessionParticipantFactory = (channel: SessionChannel, hello: Hello__Output) => SessionParticipant;
