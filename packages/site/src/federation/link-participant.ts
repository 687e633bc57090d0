/**
 * How the parts of a site that replicate (the outbox sender, the directory and template appliers) take part in
 * the session with central without knowing about its stream, timers or reconnects. CentralLink asks each
 * participant for its hello and heartbeat fields, tells it when a session is established and when it closed, and
 * hands it every message from central that is not welcome or a heartbeat.
 */
import type {
  CentralMessage__Output,
  Hello,
  SiteHeartbeat,
  SiteMessage,
  Welcome__Output,
} from '@quire/shared-proto';

/** The established session, as a participant uses it. */
export interface LinkChannel {
  /** Queue `message`; false when the stream's buffer is full: wait for `drained()` before sending more. */
  send(message: SiteMessage): boolean;
  /** Resolves when the stream can take more, or when the session has ended. */
  drained(): Promise<void>;
  /** End the session because central broke the protocol; the link reconnects after its backoff. */
  fail(reason: string): void;
  /** False once the session has ended; sends are then dropped. */
  readonly open: boolean;
}

/** One replicating part of the site. Every method is optional; none may throw (a throw ends the session). */
export interface LinkParticipant {
  /** The hello fields it contributes (the versions it has applied), read before each session attempt. */
  hello?(): Promise<Partial<Hello>>;
  /** The heartbeat fields it contributes (outbox lag figures). */
  heartbeat?(): Partial<SiteHeartbeat>;
  /** A session is established; `channel` is good until `onClosed`. */
  onEstablished?(channel: LinkChannel, welcome: Welcome__Output): void;
  /** A message from central other than welcome and heartbeats; each participant ignores payloads not its own. */
  onMessage?(message: CentralMessage__Output): void;
  /** The session ended (any reason); the participant drops what it had in flight. */
  onClosed?(): void;
}
