/**
 * Central's federation gRPC front-end: `Federation.Enrol` and `Federation.Session` over HTTP/2, optionally TLS.
 *
 * It holds no business rules and no DB access. Enrolment and credential checks go to the SiteAuthority port;
 * live sessions are tracked in a SiteSessionRegistry; each Session call is driven by a SiteSession. This file
 * only binds the port, maps domain errors to gRPC status codes and shuts the server down in order.
 */
import * as grpc from '@grpc/grpc-js';
import { describeError, ErrorCode, isQuireError, QuireError, type Logger } from '@quire/common';
import {
  federationServiceDefinition,
  type EnrolRequest__Output,
  type EnrolResponse,
  type FederationHandlers,
} from '@quire/shared-proto';
import type { Registry } from 'prom-client';
import type { SiteCertificates } from './federation-ca-sites';
import { federationServerCredentials, type FederationTlsMaterial } from './federation-ca-tls';
import { createFederationMetrics, type FederationMetrics, type SessionOutcome } from './federation-metrics';
import { SiteSessionRegistry } from './session-registry';
import type { SessionParticipantFactory } from './session-participant';
import { SiteSession, type SessionCall } from './site-session';
import type { SiteAuthority } from './site-authority';

/** Construction options of FederationServer. */
export interface FederationServerOptions {
  authority: SiteAuthority;
  logger: Logger;
  /** The server's prom-client registry (from @quire/common's createMetricsRegistry). */
  metrics: Registry;
  /** Interval of central's heartbeats, also announced to sites in Welcome. */
  heartbeatSeconds: number;
  /** A session with no message from its site for this long is ended. */
  heartbeatTimeoutSeconds: number;
  centralVersion: string;
  /** The replicating parts of central that take part in every site session. */
  participants?: readonly SessionParticipantFactory[];
  /** PEM certificate chain and key (and the client CA for mTLS); without them the server speaks plaintext. */
  tls?: FederationTlsMaterial;
  /** Central's CA for site client certificates: signs enrolment CSRs and, with mTLS, checks every session. */
  siteCertificates?: SiteCertificates;
}

const ENROLMENT_TOKEN_REFUSED =
  'enrolment token is invalid, already used or expired; create a new one at central (POST /api/v1/sites/{id}/enrolment-token)';

/** Transport keepalive, so connections to sites that vanished without a FIN are noticed and closed. */
const SERVER_CHANNEL_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

/**
 * The federation server on central. `start` binds and returns the bound port (port 0 picks a free one);
 * `stop` ends every open session, lets in-flight enrolments finish within the grace time, then forces the rest.
 * `sessions` is the live registry the REST API reads site link status from and revocation disconnects through.
 */
export class FederationServer {
  readonly sessions: SiteSessionRegistry;
  private readonly metrics: FederationMetrics;
  private readonly openSessions = new Set<SiteSession>();
  private server: grpc.Server | null = null;

  constructor(private readonly options: FederationServerOptions) {
    if (options.heartbeatTimeoutSeconds <= options.heartbeatSeconds) {
      throw new QuireError(
        ErrorCode.ConfigInvalid,
        `federation.heartbeatTimeoutSeconds (${options.heartbeatTimeoutSeconds}) must be greater than federation.heartbeatSeconds (${options.heartbeatSeconds}), or every session would time out between two heartbeats`,
      );
    }
    this.metrics = createFederationMetrics(options.metrics);
    this.sessions = new SiteSessionRegistry({
      authority: options.authority,
      logger: options.logger,
      metrics: this.metrics,
      heartbeatSeconds: options.heartbeatSeconds,
    });
  }

  /** Bind `host:port` and start serving; resolves with the bound port. */
  async start(host: string, port: number): Promise<number> {
    if (this.server) throw new Error('the federation server is already started');
    const server = new grpc.Server(SERVER_CHANNEL_OPTIONS);
    const handlers: FederationHandlers = {
      Enrol: (call, callback) => this.enrol(call, callback),
      Session: (call) => this.session(call),
    };
    server.addService(federationServiceDefinition(), handlers);
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${formatHost(host)}:${port}`, this.serverCredentials(), (err, boundPort) =>
        err ? reject(err) : resolve(boundPort),
      );
    });
    this.server = server;
    this.options.logger.info('federation server listening', {
      host,
      port: bound,
      tls: Boolean(this.options.tls),
      mtls: Boolean(this.options.tls?.clientCaPem),
    });
    return bound;
  }

  /** End open sessions, then shut down: gracefully for up to `graceMs`, then by force. */
  async stop(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const session of [...this.openSessions]) session.end('disconnected', 'central is shutting down');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.options.logger.info('federation server stopped');
  }

  private serverCredentials(): grpc.ServerCredentials {
    return federationServerCredentials(this.options.tls);
  }

  private enrol(
    call: grpc.ServerUnaryCall<EnrolRequest__Output, EnrolResponse>,
    callback: grpc.sendUnaryData<EnrolResponse>,
  ): void {
    const { token, siteName, siteVersion, csrPem } = call.request;
    const remoteAddr = call.getPeer();
    if (!token) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: 'the enrolment token is required' });
      return;
    }
    // The CSR is checked before the token is spent, and signed once the site id is known.
    const certificates = this.options.siteCertificates;
    void (async () => {
      const pending = certificates ? await certificates.prepareEnrolment(csrPem) : null;
      const enrolled = await this.options.authority.enrol(token, { siteName, siteVersion, remoteAddr });
      const { siteId, siteName: enrolledName, credential } = enrolled;
      return { siteId, siteName: enrolledName, credential, ...(await pending?.issue(siteId)) };
    })().then(
      (response) => callback(null, response),
      (err: unknown) => callback(this.enrolmentError(err, remoteAddr)),
    );
  }

  private enrolmentError(err: unknown, remoteAddr: string): Partial<grpc.StatusObject> {
    // The authority logs enrolments and refusals itself; only failures it did not expect are logged here.
    if (isQuireError(err, ErrorCode.EnrolmentTokenInvalid)) {
      return { code: grpc.status.UNAUTHENTICATED, details: ENROLMENT_TOKEN_REFUSED };
    }
    if (isQuireError(err, ErrorCode.ValidationFailed) || isQuireError(err, ErrorCode.BadRequest)) {
      return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
    }
    this.options.logger.error('site enrolment failed', { remoteAddr, error: describeError(err) });
    return { code: grpc.status.INTERNAL, details: 'enrolment failed at central; see the central server log' };
  }

  private session(call: SessionCall): void {
    const certificates = this.options.siteCertificates;
    const session = new SiteSession(call, {
      authority: this.options.authority,
      registry: this.sessions,
      logger: this.options.logger,
      centralVersion: this.options.centralVersion,
      heartbeatSeconds: this.options.heartbeatSeconds,
      heartbeatTimeoutSeconds: this.options.heartbeatTimeoutSeconds,
      participants: this.options.participants,
      checkPeer: certificates?.required
        ? (peer, siteId) => certificates.checkSessionPeer(peer, siteId)
        : undefined,
      onFinished: (finished, outcome) => this.sessionFinished(finished, outcome),
    });
    this.openSessions.add(session);
    session.start().catch((err: unknown) => {
      this.options.logger.error('federation session failed to start', { error: describeError(err) });
      session.end('disconnected', 'central failed to start the session');
    });
  }

  private sessionFinished(session: SiteSession, outcome: SessionOutcome): void {
    this.openSessions.delete(session);
    this.metrics.sessions.inc({ outcome });
  }
}

/** IPv6 literals need brackets in a gRPC bind address. */
function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
