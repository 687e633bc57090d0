/**
 * Integration tests of the site's CentralLink against a small but real Federation server built in this file
 * from @quire/shared-proto, over gRPC on 127.0.0.1: enrolment (and its refusal), hello/welcome, heartbeats both
 * ways, silence detection, reconnecting after central restarts on the same port, revocation, and TLS with a
 * self-signed certificate made by the `openssl` CLI. Central's real server is tested in packages/central.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { createSilentLogger } from '@quire/common';
import {
  federationServiceDefinition,
  readSiteSessionMetadata,
  type FederationHandlers,
  type SiteMessage__Output,
} from '@quire/shared-proto';
import { Registry } from 'prom-client';
import { CentralLink, CredentialStore, type CentralLinkOptions } from '../src/federation';

/** A minimal central: single-use tokens, revocable credentials, welcome and 1 s heartbeats unless silenced. */
class TestCentral {
  readonly tokens = new Set<string>(['good-token']);
  readonly credentials = new Map<string, string>();
  readonly received: SiteMessage__Output[] = [];
  enrolCalls = 0;
  sessionCalls = 0;
  silent = false;
  private server: grpc.Server | null = null;
  private readonly open = new Set<grpc.ServerDuplexStream<SiteMessage__Output, unknown>>();

  async start(port: number, tls?: { certPem: Buffer; keyPem: Buffer }): Promise<number> {
    const server = new grpc.Server();
    server.addService(federationServiceDefinition(), this.handlers());
    const credentials = tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: tls.certPem, private_key: tls.keyPem }])
      : grpc.ServerCredentials.createInsecure();
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return bound;
  }

  /** Stop like a crashed central: every connection dropped at once. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = null;
    this.open.clear();
  }

  /** End every open session with UNAVAILABLE, as central does when it disconnects a site. */
  disconnectAll(): void {
    for (const call of this.open)
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'disconnected' });
    this.open.clear();
  }

  private handlers(): FederationHandlers {
    return {
      Enrol: (call, callback) => {
        this.enrolCalls += 1;
        if (!this.tokens.delete(call.request.token)) {
          callback({
            code: grpc.status.UNAUTHENTICATED,
            details: 'enrolment token is invalid, used or expired',
          });
          return;
        }
        const siteId = `site-${this.credentials.size + 1}`;
        this.credentials.set(siteId, `credential-${siteId}`);
        callback(null, { siteId, siteName: call.request.siteName, credential: `credential-${siteId}` });
      },
      Session: (call) => {
        this.sessionCalls += 1;
        const presented = readSiteSessionMetadata(call.metadata);
        if (!presented || this.credentials.get(presented.siteId) !== presented.credential) {
          call.emit('error', {
            code: grpc.status.UNAUTHENTICATED,
            details: 'unknown or revoked site credential',
          });
          return;
        }
        this.open.add(call);
        let beat: NodeJS.Timeout | null = null;
        const cleanUp = () => {
          if (beat) clearInterval(beat);
          this.open.delete(call);
        };
        call.on('data', (message: SiteMessage__Output) => {
          this.received.push(message);
          if (message.payload !== 'hello' || this.silent) return;
          call.write({
            welcome: {
              centralVersion: 'test',
              protocolVersion: 1,
              heartbeatSeconds: 1,
              serverTimeMs: Date.now(),
            },
          });
          beat = setInterval(() => call.write({ heartbeat: { sentAtMs: Date.now() } }), 1000);
        });
        call.on('end', () => {
          cleanUp();
          call.end();
        });
        call.on('cancelled', cleanUp);
        call.on('error', cleanUp);
      },
    };
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function linkUpValue(registry: Registry): Promise<number | undefined> {
  return (await registry.getSingleMetric('quire_central_link_up')?.get())?.values[0]?.value;
}

describe('CentralLink', function () {
  this.timeout(30000);
  let central: TestCentral;
  let port: number;
  let dataDir: string;
  let registry: Registry;
  const links: CentralLink[] = [];

  function newLink(overrides: Partial<CentralLinkOptions> = {}): CentralLink {
    const link = new CentralLink({
      address: `127.0.0.1:${port}`,
      tls: { enabled: false },
      enrolmentToken: 'good-token',
      siteName: 'Branch A',
      siteVersion: '0.1.0',
      dataDir,
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 2,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      logger: createSilentLogger(),
      metrics: registry,
      ...overrides,
    });
    links.push(link);
    return link;
  }

  beforeEach(async () => {
    central = new TestCentral();
    port = await central.start(0);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-link-'));
    registry = new Registry();
  });

  afterEach(async () => {
    await Promise.all(links.splice(0).map((link) => link.stop()));
    central.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('enrols, stores the credential, connects and heartbeats both ways', async () => {
    const link = newLink();
    const connected = new Promise((resolve) => link.once('connected', resolve));
    link.start();
    expect(['enrolling', 'connecting']).to.include(link.status().state);
    expect(await connected).to.deep.equal({ siteId: 'site-1', centralVersion: 'test' });
    expect(link.status()).to.include({ state: 'connected', siteId: 'site-1', lastError: null });
    expect(await linkUpValue(registry)).to.equal(1);

    const stored = await new CredentialStore(dataDir).load();
    expect(stored).to.include({
      siteId: 'site-1',
      credential: 'credential-site-1',
      centralAddress: `127.0.0.1:${port}`,
    });
    expect(fs.statSync(path.join(dataDir, 'federation', 'credential.json')).mode & 0o777).to.equal(0o600);

    const firstBeat = link.status().lastHeartbeatAt!.getTime();
    await waitFor(() => link.status().lastHeartbeatAt!.getTime() > firstBeat, 4000);
    await waitFor(() => central.received.some((m) => m.payload === 'heartbeat'), 4000);
    const hello = central.received[0].hello!;
    expect(hello).to.include({
      siteId: 'site-1',
      siteName: 'Branch A',
      siteVersion: '0.1.0',
      protocolVersion: 1,
    });
    const heartbeat = central.received.find((m) => m.payload === 'heartbeat')!.heartbeat!;
    expect(Number(heartbeat.rssBytes)).to.be.greaterThan(0);

    await link.stop();
    expect(link.status().state).to.equal('stopped');
    expect(await linkUpValue(registry)).to.equal(0);
  });

  it('reuses a stored credential without enrolling again', async () => {
    const first = newLink();
    first.start();
    await waitFor(() => first.status().state === 'connected');
    await first.stop();
    const second = newLink({ enrolmentToken: '' });
    second.start();
    await waitFor(() => second.status().state === 'connected');
    expect(central.enrolCalls).to.equal(1);
    expect(central.sessionCalls).to.equal(2);
  });

  it('gives up with enrolment-failed when the token is refused', async () => {
    const link = newLink({ enrolmentToken: 'spent-token' });
    link.start();
    await waitFor(() => link.status().state === 'enrolment-failed');
    expect(link.status().lastError).to.contain('invalid, already used or expired');
    expect(link.status().lastError).to.contain('POST /api/v1/sites/{id}/enrolment-token');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(central.enrolCalls).to.equal(1);
    expect(fs.existsSync(path.join(dataDir, 'federation', 'credential.json'))).to.equal(false);

    // Once the operator fixed things at central, starting again tries afresh.
    central.tokens.add('spent-token');
    link.start();
    await waitFor(() => link.status().state === 'connected');
  });

  it('says what to do when there is neither credential nor token', async () => {
    const link = newLink({ enrolmentToken: '' });
    link.start();
    await waitFor(() => link.status().state === 'enrolment-failed');
    expect(link.status().lastError).to.contain('no enrolment token');
    expect(central.enrolCalls).to.equal(0);
  });

  it('keeps retrying enrolment while central is down, then connects', async () => {
    central.stop();
    const link = newLink();
    link.start();
    await waitFor(() => link.status().lastError !== null);
    expect(link.status().state).to.equal('enrolling');
    await central.start(port);
    await waitFor(() => link.status().state === 'connected');
  });

  it('reconnects after central stops and starts again on the same port', async () => {
    const link = newLink();
    const events: string[] = [];
    link.on('connected', () => events.push('connected'));
    link.on('disconnected', () => events.push('disconnected'));
    link.start();
    await waitFor(() => link.status().state === 'connected');
    central.stop();
    await waitFor(() => link.status().state === 'connecting');
    expect(await linkUpValue(registry)).to.equal(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(link.status().lastError).to.match(/UNAVAILABLE/);
    await central.start(port);
    await waitFor(() => link.status().state === 'connected');
    expect(events).to.deep.equal(['connected', 'disconnected', 'connected']);
    expect(await linkUpValue(registry)).to.equal(1);
  });

  it('drops a silent session after the heartbeat timeout and reconnects', async () => {
    central.silent = true;
    const link = newLink();
    link.start();
    await waitFor(() => central.sessionCalls === 1);
    const started = Date.now();
    await waitFor(() => central.sessionCalls === 2, 6000);
    expect(Date.now() - started).to.be.within(1500, 4500);
    expect(link.status().lastError).to.contain('no message from central');
    expect(link.status().state).to.not.equal('connected');
  });

  it('stops reconnecting with rejected when central refuses the credential', async () => {
    const link = newLink();
    link.start();
    await waitFor(() => link.status().state === 'connected');
    central.credentials.clear();
    central.disconnectAll();
    await waitFor(() => link.status().state === 'rejected');
    expect(link.status().lastError).to.contain('revoked');
    const calls = central.sessionCalls;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(central.sessionCalls).to.equal(calls);
  });

  it('returns from start at once and stops promptly while central is unreachable', async () => {
    central.stop();
    const link = newLink({ reconnectMinMs: 5000, reconnectMaxMs: 10000 });
    const before = Date.now();
    link.start();
    expect(Date.now() - before).to.be.lessThan(50);
    await waitFor(() => link.status().lastError !== null);
    const stopping = Date.now();
    await link.stop();
    expect(Date.now() - stopping).to.be.lessThan(1000);
    expect(link.status().state).to.equal('stopped');
  });

  describe('over TLS', () => {
    let certDir: string;

    before(() => {
      certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-link-tls-'));
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext']
          .concat(['subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1'])
          .concat(['-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')]),
        { stdio: 'ignore', timeout: 20000 },
      );
    });

    after(() => fs.rmSync(certDir, { recursive: true, force: true }));

    it('connects with the CA certificate and fails without it', async () => {
      const certPem = fs.readFileSync(path.join(certDir, 'cert.pem'));
      central.stop();
      await central.start(port, { certPem, keyPem: fs.readFileSync(path.join(certDir, 'key.pem')) });
      const untrusted = newLink({ address: `localhost:${port}`, tls: { enabled: true } });
      untrusted.start();
      await waitFor(() => untrusted.status().lastError !== null);
      expect(untrusted.status().state).to.equal('enrolling');
      await untrusted.stop();

      const trusted = newLink({ address: `localhost:${port}`, tls: { enabled: true, caPem: certPem } });
      trusted.start();
      await waitFor(() => trusted.status().state === 'connected');
    });
  });
});
