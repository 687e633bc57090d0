/**
 * The site's link to central: enrol once, then keep a federation session open for as long as the site runs.
 *
 * States: `stopped` → (`enrolling` →) `connecting` ⇄ `connected`, with two dead ends that need an operator:
 * `enrolment-failed` (the token was refused, or there is neither credential nor token, or the credential file is
 * corrupt) and `rejected` (central refused the stored credential, e.g. the site was revoked). Everything else,
 * such as central being down, TLS trouble or a dropped stream, is retried with exponential backoff and jitter.
 *
 * `start` returns at once and nothing here ever throws into the caller: a site prints whether or not central
 * answers. Each attempt uses a fresh channel, so gRPC's own reconnect backoff never stacks on top of ours.
 */
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { describeError, type Logger } from '@quire/common';
import {
  createFederationClient,
  type EnrolResponse__Output,
  type FederationClient,
  type Welcome__Output,
} from '@quire/shared-proto';
import { Gauge, type Registry } from 'prom-client';
import { reconnectDelay } from './backoff';
import {
  acceptIssuedCertificate,
  channelCredentials,
  createCertificateRequest,
  expiryWarning,
  type CertificateRequest,
  type LinkTls,
} from './client-certificate';
import { CredentialStore, type ClientCertificate, type StoredCredential } from './credential-store';
import type { LinkParticipant } from './link-participant';
import { clockSkewMs, runLinkSession } from './link-session';

/** Where the link to central stands. */
export type CentralLinkState =
  'connecting' | 'connected' | 'enrolling' | 'enrolment-failed' | 'rejected' | 'stopped';

/** A snapshot of the link, for `/readyz`, the site status API and logs. */
export interface CentralLinkStatus {
  state: CentralLinkState;
  siteId: string | null;
  /** When the link entered its current state. */
  since: Date;
  connectedAt: Date | null;
  lastError: string | null;
  lastHeartbeatAt: Date | null;
}

/** Construction options of CentralLink. */
export interface CentralLinkOptions {
  /** Central's federation address, `host:port`. */
  address: string;
  tls: LinkTls;
  /** One-time token used only when the data dir holds no credential yet; may be empty. */
  enrolmentToken: string;
  siteName: string;
  siteVersion: string;
  dataDir: string;
  heartbeatSeconds: number;
  heartbeatTimeoutSeconds: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  logger: Logger;
  metrics: Registry;
  /** The replicating parts of the site (outbox sender, directory and template appliers). */
  participants?: readonly LinkParticipant[];
  /** Source of jitter for the reconnect delay; tests may pin it. */
  random?: () => number;
}

/** Payloads of the events a CentralLink emits. */
export interface CentralLinkEvents {
  connected: [{ siteId: string; centralVersion: string }];
  disconnected: [{ reason: string }];
}

const TOKEN_REFUSED =
  'central refused the enrolment token: it is invalid, already used or expired. Ask for a new one at central (POST /api/v1/sites/{id}/enrolment-token), set it as enrolment.token (QUIRE_ENROLMENT_TOKEN) and restart the site';

/** Transport keepalive: notice a dead TCP peer even while no heartbeat is due. */
const CHANNEL_OPTIONS: grpc.ClientOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.use_local_subchannel_pool': 1,
};

/**
 * The federation client of a site server. Emits `connected` after each welcome and `disconnected` when an
 * established session ends. `status()` is cheap and always current; `stop()` ends the session and every timer.
 */
export class CentralLink extends EventEmitter<CentralLinkEvents> {
  private readonly store: CredentialStore;
  private readonly upGauge: Gauge;
  private readonly startedAt = new Date();
  private state: CentralLinkState = 'stopped';
  private since = new Date();
  private siteId: string | null = null;
  private connectedAt: Date | null = null;
  private lastError: string | null = null;
  private lastHeartbeatAt: Date | null = null;
  private abort: AbortController | null = null;
  private loopActive = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: CentralLinkOptions) {
    super();
    this.store = new CredentialStore(options.dataDir);
    this.upGauge =
      (options.metrics.getSingleMetric('quire_central_link_up') as Gauge | undefined) ??
      new Gauge({
        name: 'quire_central_link_up',
        help: '1 while the federation session with central is established, else 0.',
        registers: [options.metrics],
      });
    this.upGauge.set(0);
    if (options.tls.clientCertificate && !options.tls.enabled) {
      options.logger.warn('central.clientCertificate needs central.tls: no client certificate is asked for');
    }
  }

  /**
   * Start linking in the background; returns at once. A call while the link is running does nothing; a call
   * after it gave up (`enrolment-failed`, `rejected`) or was stopped starts over, reading the credential again.
   */
  start(): void {
    if (this.loopActive) return;
    this.loopActive = true;
    const abort = new AbortController();
    this.abort = abort;
    this.lastError = null;
    this.setState('connecting');
    this.running = this.run(abort.signal)
      .catch((err: unknown) => {
        this.options.logger.error('the link to central failed unexpectedly', { error: describeError(err) });
        this.setState('stopped', describeError(err));
      })
      .finally(() => {
        this.loopActive = false;
      });
  }

  /** End the session and all timers; resolves when the link has fully stopped. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.abort = null;
    this.setState('stopped');
  }

  /** The current state of the link. */
  status(): CentralLinkStatus {
    return {
      state: this.state,
      siteId: this.siteId,
      since: this.since,
      connectedAt: this.connectedAt,
      lastError: this.lastError,
      lastHeartbeatAt: this.lastHeartbeatAt,
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    const stored = await this.obtainCredential(signal);
    if (!stored || signal.aborted) return;
    this.siteId = stored.siteId;
    const expiry = stored.clientCertificate && expiryWarning(stored.clientCertificate);
    if (expiry) this.options.logger.warn(expiry, { file: this.store.path });
    let attempt = 0;
    this.setState('connecting');
    while (!signal.aborted) {
      const helloFields = await this.helloFields();
      const client = this.createClient(stored.clientCertificate);
      const result = await runLinkSession({
        participants: this.options.participants,
        helloFields,
        client,
        siteId: stored.siteId,
        credential: stored.credential,
        siteName: this.options.siteName,
        siteVersion: this.options.siteVersion,
        startedAt: this.startedAt,
        heartbeatSeconds: this.options.heartbeatSeconds,
        heartbeatTimeoutSeconds: this.options.heartbeatTimeoutSeconds,
        signal,
        onWelcome: (welcome) => this.onConnected(stored.siteId, welcome),
        onHeartbeat: () => {
          this.lastHeartbeatAt = new Date();
        },
      }).finally(() => client.close());
      if (result.established) this.onDisconnected(result.details, signal.aborted);
      if (signal.aborted) return;
      if (result.code === grpc.status.UNAUTHENTICATED) {
        const message = `central refused this site's credential (${result.details}): the site was revoked or is unknown there. Create a new enrolment token at central (POST /api/v1/sites/{id}/enrolment-token), delete ${this.store.path}, set the token as enrolment.token (QUIRE_ENROLMENT_TOKEN) and restart the site`;
        this.options.logger.error('central rejected the site credential; not reconnecting', {
          siteId: stored.siteId,
          detail: message,
        });
        this.setState('rejected', message);
        return;
      }
      attempt = result.established ? 0 : attempt;
      const delay = this.retryDelay(attempt);
      attempt += 1;
      this.setState('connecting', `${grpc.status[result.code] ?? result.code}: ${result.details}`);
      this.options.logger.info('no session with central; retrying', {
        error: this.lastError,
        retryInMs: delay,
      });
      await sleep(delay, signal);
    }
  }

  /** What the participants add to hello; a participant that cannot say (its DB is down) adds nothing. */
  private async helloFields(): Promise<object> {
    const parts = await Promise.all(
      (this.options.participants ?? []).map((p) =>
        (p.hello?.() ?? Promise.resolve({})).catch((err: unknown) => {
          this.options.logger.warn('a federation participant could not prepare hello', {
            error: describeError(err),
          });
          return {};
        }),
      ),
    );
    return Object.assign({}, ...parts);
  }

  /** The pause before retry number `attempt` (0-based): exponential backoff with jitter. */
  private retryDelay(attempt: number): number {
    const { reconnectMinMs, reconnectMaxMs, random } = this.options;
    return reconnectDelay(attempt, reconnectMinMs, reconnectMaxMs, random);
  }

  private async obtainCredential(signal: AbortSignal): Promise<StoredCredential | null> {
    let stored: StoredCredential | null;
    try {
      stored = await this.store.load();
    } catch (err) {
      return this.enrolmentFailed(describeError(err));
    }
    if (stored) return stored;
    if (!this.options.enrolmentToken) {
      return this.enrolmentFailed(
        'this site has no federation credential and no enrolment token: create the site at central (POST /api/v1/sites), set the token it returns as enrolment.token (QUIRE_ENROLMENT_TOKEN) and restart the site',
      );
    }
    return this.enrol(signal);
  }

  private async enrol(signal: AbortSignal): Promise<StoredCredential | null> {
    let attempt = 0;
    // One key for every attempt: retries resend the same CSR.
    const tls = this.options.tls;
    const request = tls.enabled && tls.clientCertificate ? await createCertificateRequest() : null;
    while (!signal.aborted) {
      this.setState('enrolling');
      try {
        const response = await this.enrolOnce(signal, request?.csrPem ?? '');
        const clientCertificate = this.issuedCertificate(request, response);
        const stored: StoredCredential = {
          siteId: response.siteId,
          siteName: response.siteName,
          credential: response.credential,
          centralAddress: this.options.address,
          enrolledAt: new Date(),
          ...(clientCertificate ? { clientCertificate } : {}),
        };
        await this.saveCredential(stored);
        this.options.logger.info('enrolled with central', {
          siteId: stored.siteId,
          siteName: stored.siteName,
        });
        return stored;
      } catch (err) {
        if (signal.aborted) return null;
        const code = (err as Partial<grpc.ServiceError>).code;
        if (code === grpc.status.UNAUTHENTICATED) return this.enrolmentFailed(TOKEN_REFUSED);
        if (code === grpc.status.INVALID_ARGUMENT) {
          return this.enrolmentFailed(`central refused the enrolment request: ${describeError(err)}`);
        }
        const delay = this.retryDelay(attempt);
        attempt += 1;
        this.lastError = describeError(err);
        this.options.logger.info('could not reach central to enrol; retrying', {
          error: this.lastError,
          retryInMs: delay,
        });
        await sleep(delay, signal);
      }
    }
    return null;
  }

  private enrolOnce(signal: AbortSignal, csrPem: string): Promise<EnrolResponse__Output> {
    const client = this.createClient();
    return new Promise<EnrolResponse__Output>((resolve, reject) => {
      const request = {
        token: this.options.enrolmentToken,
        siteName: this.options.siteName,
        siteVersion: this.options.siteVersion,
        csrPem,
      };
      const deadline = Date.now() + this.options.heartbeatTimeoutSeconds * 1000;
      const call = client.Enrol(request, { deadline }, (err, response) => {
        signal.removeEventListener('abort', cancel);
        if (err) {
          reject(err);
        } else if (!response?.siteId || !response.credential) {
          reject(new Error('central sent an incomplete enrolment response'));
        } else {
          resolve(response);
        }
      });
      const cancel = (): void => call.cancel();
      signal.addEventListener('abort', cancel);
    }).finally(() => client.close());
  }

  /**
   * The token is spent once central answered, so a credential that cannot be written is still used for this run;
   * the error says plainly that the next start will need a new token.
   */
  private async saveCredential(stored: StoredCredential): Promise<void> {
    try {
      await this.store.save(stored);
    } catch (err) {
      this.options.logger.error(
        'could not save the federation credential; the link works until the site stops, then it needs a new enrolment token',
        { file: this.store.path, error: describeError(err) },
      );
    }
  }

  /** The client certificate to keep from an enrolment that asked for one; a problem is logged, not fatal. */
  private issuedCertificate(
    request: CertificateRequest | null,
    response: EnrolResponse__Output,
  ): ClientCertificate | undefined {
    if (!request) return undefined;
    const outcome = acceptIssuedCertificate(request, response);
    if ('certificate' in outcome) return outcome.certificate;
    this.options.logger.warn('enrolled without a client certificate; sessions go without one', {
      problem: outcome.problem,
    });
    return undefined;
  }

  private enrolmentFailed(message: string): null {
    this.options.logger.error('enrolment with central failed; not retrying', { detail: message });
    this.setState('enrolment-failed', message);
    return null;
  }

  private onConnected(siteId: string, welcome: Welcome__Output): void {
    this.connectedAt = new Date();
    this.lastHeartbeatAt = this.connectedAt;
    this.lastError = null;
    this.setState('connected');
    this.upGauge.set(1);
    const skew = clockSkewMs(welcome);
    if (skew !== null && Math.abs(skew) > 60_000) {
      this.options.logger.warn('clock differs from central by more than a minute; check NTP', {
        skewMs: skew,
      });
    }
    this.options.logger.info('connected to central', { siteId, centralVersion: welcome.centralVersion });
    this.emit('connected', { siteId, centralVersion: welcome.centralVersion });
  }

  private onDisconnected(reason: string, stopping: boolean): void {
    this.connectedAt = null;
    this.upGauge.set(0);
    if (stopping) this.options.logger.info('session with central closed: the site is stopping');
    else this.options.logger.warn('session with central ended', { reason });
    this.emit('disconnected', { reason });
  }

  private setState(state: CentralLinkState, error?: string): void {
    if (state !== this.state) {
      this.state = state;
      this.since = new Date();
    }
    if (error !== undefined) this.lastError = error;
  }

  private createClient(certificate?: ClientCertificate): FederationClient {
    const credentials = channelCredentials(this.options.tls, certificate);
    return createFederationClient(this.options.address, credentials, CHANNEL_OPTIONS);
  }
}

/** Wait `ms`, or less when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
