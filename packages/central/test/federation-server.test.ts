/**
 * Integration tests of central's FederationServer over real gRPC on 127.0.0.1: enrolment, session
 * authentication, the hello/welcome exchange, heartbeats both ways, the silence timeout, session replacement,
 * operator disconnects and malformed input. The SiteAuthority is an in-memory double; the DB-backed one is tested
 * with the sites service.
 */
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { createSilentLogger, ErrorCode, newId, QuireError, randomToken } from '@quire/common';
import {
  createFederationClient,
  PROTOCOL_VERSION,
  siteSessionMetadata,
  type CentralMessage__Output,
  type FederationClient,
  type SiteMessage,
} from '@quire/shared-proto';
import { Registry } from 'prom-client';
import { FederationServer, type AuthenticatedSite, type SiteAuthority } from '../src/federation';

/** An in-memory SiteAuthority: tokens are single-use, credentials can be revoked. */
class MemoryAuthority implements SiteAuthority {
  readonly tokens = new Set<string>();
  readonly sites = new Map<string, { name: string; credential: string; revoked: boolean }>();
  readonly seen: Array<{ siteId: string; siteVersion: string }> = [];
  failEnrolWith: Error | null = null;

  async enrol(token: string, info: { siteName: string }) {
    if (this.failEnrolWith) throw this.failEnrolWith;
    if (!this.tokens.delete(token)) {
      throw new QuireError(ErrorCode.EnrolmentTokenInvalid, 'enrolment token is invalid, used or expired');
    }
    const siteId = newId();
    const credential = randomToken();
    this.sites.set(siteId, { name: info.siteName, credential, revoked: false });
    return { siteId, siteName: info.siteName, credential };
  }

  async authenticate(siteId: string, credential: string): Promise<AuthenticatedSite | null> {
    const site = this.sites.get(siteId);
    if (!site || site.revoked || site.credential !== credential) return null;
    return { id: siteId, name: site.name };
  }

  async recordSeen(siteId: string, _seenAt: Date, siteVersion: string): Promise<void> {
    this.seen.push({ siteId, siteVersion });
  }
}

/** A Session call with everything it received and a promise of its final status. */
interface OpenSession {
  call: grpc.ClientDuplexStream<SiteMessage, CentralMessage__Output>;
  received: CentralMessage__Output[];
  status: Promise<grpc.StatusObject>;
}

function openSession(client: FederationClient, metadata: grpc.Metadata): OpenSession {
  const call = client.Session(metadata);
  const received: CentralMessage__Output[] = [];
  call.on('data', (message: CentralMessage__Output) => received.push(message));
  // The status event carries the outcome; the error event repeats it for non-OK codes.
  call.on('error', () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  return { call, received, status };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function enrol(client: FederationClient, token: string) {
  return new Promise<{ siteId: string; credential: string }>((resolve, reject) => {
    client.Enrol({ token, siteName: 'Branch A', siteVersion: '0.1.0' }, (err, response) =>
      err || !response ? reject(err) : resolve(response),
    );
  });
}

function hello(siteId: string): SiteMessage {
  return {
    hello: {
      siteId,
      siteName: 'Branch A',
      siteVersion: '0.1.0',
      protocolVersion: PROTOCOL_VERSION,
      startedAtMs: Date.now(),
    },
  };
}

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe('FederationServer', function () {
  this.timeout(20000);
  let authority: MemoryAuthority;
  let registry: Registry;
  let server: FederationServer;
  let client: FederationClient;
  let site: { siteId: string; credential: string };

  beforeEach(async () => {
    authority = new MemoryAuthority();
    registry = new Registry();
    server = new FederationServer({
      authority,
      logger: createSilentLogger(),
      metrics: registry,
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 2,
      centralVersion: '9.9.9',
    });
    const port = await server.start('127.0.0.1', 0);
    client = createFederationClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    authority.tokens.add('token-1');
    site = await enrol(client, 'token-1');
  });

  afterEach(async () => {
    client.close();
    await server.stop(500);
  });

  it('refuses a heartbeat timeout that is not longer than the heartbeat interval', () => {
    const options = { authority, logger: createSilentLogger(), metrics: new Registry(), centralVersion: '1' };
    expect(
      () => new FederationServer({ ...options, heartbeatSeconds: 10, heartbeatTimeoutSeconds: 10 }),
    ).to.throw(QuireError, /heartbeatTimeoutSeconds/);
  });

  describe('Enrol', () => {
    it('exchanges a valid token for a credential and refuses the used token', async () => {
      expect(site.siteId).to.match(/^[0-9a-f-]{36}$/);
      expect(site.credential).to.have.length.greaterThan(20);
      const refused = await enrol(client, 'token-1').catch((err: grpc.ServiceError) => err);
      expect(refused).to.include({ code: grpc.status.UNAUTHENTICATED });
      expect((refused as grpc.ServiceError).details).to.contain('POST /api/v1/sites/{id}/enrolment-token');
    });

    it('maps an unexpected failure to INTERNAL without leaking it', async () => {
      authority.failEnrolWith = new Error('database is on fire');
      authority.tokens.add('token-2');
      const failed = (await enrol(client, 'token-2').catch(
        (err: grpc.ServiceError) => err,
      )) as grpc.ServiceError;
      expect(failed.code).to.equal(grpc.status.INTERNAL);
      expect(failed.details).not.to.contain('fire');
    });
  });

  describe('Session', () => {
    it('refuses a call without credential metadata or with a wrong credential', async () => {
      const anonymous = openSession(client, new grpc.Metadata());
      expect((await anonymous.status).code).to.equal(grpc.status.UNAUTHENTICATED);
      const wrong = openSession(client, siteSessionMetadata(site.siteId, 'not-the-credential'));
      expect((await wrong.status).code).to.equal(grpc.status.UNAUTHENTICATED);
      expect(
        await metricValue(registry, 'quire_federation_sessions_total', { outcome: 'unauthenticated' }),
      ).to.equal(2);
    });

    it('refuses a revoked credential', async () => {
      authority.sites.get(site.siteId)!.revoked = true;
      const session = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      session.call.write(hello(site.siteId));
      expect((await session.status).code).to.equal(grpc.status.UNAUTHENTICATED);
    });

    it('answers hello with welcome, then heartbeats both ways', async () => {
      const session = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      session.call.write(hello(site.siteId));
      await waitFor(() => session.received.length >= 1);
      const welcome = session.received[0];
      expect(welcome.payload).to.equal('welcome');
      expect(welcome.welcome).to.include({
        centralVersion: '9.9.9',
        protocolVersion: PROTOCOL_VERSION,
        heartbeatSeconds: 1,
      });
      expect(Math.abs(Number(welcome.welcome!.serverTimeMs) - Date.now())).to.be.lessThan(5000);

      const status = server.sessions.status(site.siteId);
      expect(status).to.include({ connected: true, siteVersion: '0.1.0', siteName: 'Branch A' });
      expect(status.remoteAddr).to.contain('127.0.0.1');
      expect(authority.seen).to.deep.equal([{ siteId: site.siteId, siteVersion: '0.1.0' }]);
      expect(await metricValue(registry, 'quire_federation_connected_sites')).to.equal(1);

      // Site heartbeats keep the session alive past the 2 s timeout while central's arrive every second.
      const beat = setInterval(
        () => session.call.write({ heartbeat: { sentAtMs: Date.now(), uptimeS: 5 } }),
        500,
      );
      try {
        await waitFor(() => session.received.filter((m) => m.payload === 'heartbeat').length >= 3, 6000);
      } finally {
        clearInterval(beat);
      }
      expect(server.sessions.status(site.siteId).connected).to.equal(true);
      expect(authority.seen.length).to.be.within(2, 4);
      session.call.end();
      expect((await session.status).code).to.equal(grpc.status.OK);
      expect(server.sessions.status(site.siteId).connected).to.equal(false);
      expect(await metricValue(registry, 'quire_federation_connected_sites')).to.equal(0);
    });

    it('notices when the site goes away', async () => {
      const session = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      session.call.write(hello(site.siteId));
      await waitFor(() => session.received.length >= 1);
      session.call.cancel();
      await waitFor(() => !server.sessions.status(site.siteId).connected);
      await waitFor(() => server.sessions.list().every((s) => !s.connected));
      expect(await metricValue(registry, 'quire_federation_sessions_total', { outcome: 'closed' })).to.equal(
        1,
      );
    });

    it('requires hello first, with the site id of the metadata', async () => {
      const early = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      early.call.write({ heartbeat: { sentAtMs: Date.now() } });
      expect((await early.status).code).to.equal(grpc.status.INVALID_ARGUMENT);
      const mismatched = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      mismatched.call.write(hello(newId()));
      expect((await mismatched.status).code).to.equal(grpc.status.INVALID_ARGUMENT);
      expect(server.sessions.status(site.siteId).connected).to.equal(false);
    });

    it('ends a silent session after the heartbeat timeout', async () => {
      const session = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      session.call.write(hello(site.siteId));
      const started = Date.now();
      const status = await session.status;
      expect(status.code).to.equal(grpc.status.UNAVAILABLE);
      expect(status.details).to.contain('no message from the site');
      expect(Date.now() - started).to.be.within(1500, 4000);
      expect(server.sessions.status(site.siteId)).to.include({ connected: false, siteVersion: '0.1.0' });
      expect(server.sessions.status(site.siteId).lastSeenAt).to.be.instanceOf(Date);
      expect(await metricValue(registry, 'quire_federation_sessions_total', { outcome: 'timeout' })).to.equal(
        1,
      );
    });

    it('lets a second session of the same site replace the first', async () => {
      const first = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      first.call.write(hello(site.siteId));
      await waitFor(() => first.received.length >= 1);
      const other = createFederationClient(`127.0.0.1:${portOf(client)}`, grpc.credentials.createInsecure());
      try {
        const second = openSession(other, siteSessionMetadata(site.siteId, site.credential));
        second.call.write(hello(site.siteId));
        expect((await first.status).code).to.equal(grpc.status.ABORTED);
        await waitFor(() => second.received.length >= 1);
        expect(second.received[0].payload).to.equal('welcome');
        expect(server.sessions.status(site.siteId).connected).to.equal(true);
        expect(server.sessions.list()).to.have.length(1);
        expect(await metricValue(registry, 'quire_federation_connected_sites')).to.equal(1);
        second.call.end();
        await second.status;
      } finally {
        other.close();
      }
    });

    it('disconnects a site on request and on shutdown', async () => {
      const session = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      session.call.write(hello(site.siteId));
      await waitFor(() => session.received.length >= 1);
      expect(server.sessions.disconnect(site.siteId, 'credential revoked')).to.equal(true);
      const status = await session.status;
      expect(status).to.include({ code: grpc.status.UNAVAILABLE, details: 'credential revoked' });
      expect(server.sessions.disconnect(site.siteId, 'again')).to.equal(false);

      const again = openSession(client, siteSessionMetadata(site.siteId, site.credential));
      again.call.write(hello(site.siteId));
      await waitFor(() => again.received.length >= 1);
      await server.stop(1000);
      expect((await again.status).code).to.equal(grpc.status.UNAVAILABLE);
    });

    it('survives undecodable message bytes and keeps serving', async () => {
      const raw = new grpc.Client(`127.0.0.1:${portOf(client)}`, grpc.credentials.createInsecure());
      try {
        const call = raw.makeBidiStreamRequest(
          '/quire.federation.v1.Federation/Session',
          (value: Buffer) => value,
          (value: Buffer) => value,
          siteSessionMetadata(site.siteId, site.credential),
        );
        call.on('data', () => undefined);
        call.on('error', () => undefined);
        const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
        call.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
        expect((await status).code).to.not.equal(grpc.status.OK);
      } finally {
        raw.close();
      }
      authority.tokens.add('token-3');
      expect((await enrol(client, 'token-3')).credential).to.be.a('string');
    });
  });
});

/** The port a test client was created for. */
function portOf(client: FederationClient): string {
  return client.getChannel().getTarget().split(':').pop() ?? '';
}
