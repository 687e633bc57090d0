/**
 * Federation TLS end to end on loopback, with the real FederationServer and the real site CentralLink: central's
 * own CA, generated in a temp data dir, secures the link, and a site without that CA cannot reach central. With
 * mutual TLS, enrolment issues the site a client certificate, sessions need it on top of the credential, and a
 * certificate only ever opens its own site's session, never a revoked site's.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { createSilentLogger, ErrorCode, QuireError } from '@quire/common';
import {
  createFederationClient,
  PROTOCOL_VERSION,
  siteSessionMetadata,
  type FederationClient,
} from '@quire/shared-proto';
import { Registry } from 'prom-client';
import { FederationServer, type SiteAuthority } from '../src/federation';
import { setUpFederationTls, type FederationTlsSetup } from '../src/federation/federation-ca-tls';

/** The members of the site's CentralLink this test drives. */
interface SiteLink {
  start(): void;
  stop(): Promise<void>;
  status(): { state: string; siteId: string | null; lastError: string | null };
}
type SiteLinkClass = new (options: Record<string, unknown>) => SiteLink;

// The site package is no build dependency of central (no project reference), so its compiled CentralLink is
// loaded at run time from its federation folder; the build compiles both packages before any test runs.
const { CentralLink } = createRequire(__filename)('@quire/site/dist/src/federation') as {
  CentralLink: SiteLinkClass;
};

/** In-memory sites: tokens that are spent once, credentials, and revocation. */
class TestAuthority implements SiteAuthority {
  readonly spent = new Set<string>();
  readonly revoked = new Set<string>();

  async enrol(token: string, info: { siteName: string }) {
    const siteId = token.replace(/^token-/, 'site-');
    if (!token.startsWith('token-') || this.spent.has(token)) {
      throw new QuireError(ErrorCode.EnrolmentTokenInvalid, 'refused');
    }
    this.spent.add(token);
    return { siteId, siteName: info.siteName, credential: `credential-${siteId}` };
  }

  async authenticate(siteId: string, credential: string) {
    const valid = credential === `credential-${siteId}` && !this.revoked.has(siteId);
    return valid ? { id: siteId, name: siteId } : null;
  }

  async recordSeen() {}
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Open a Session as `siteId` and resolve with `welcome`, or with the status central ended it with. */
function openSession(
  client: FederationClient,
  siteId: string,
  credential: string,
): Promise<string | grpc.StatusObject> {
  return new Promise((resolve) => {
    const call = client.Session(siteSessionMetadata(siteId, credential));
    call.on('data', (message: { payload?: string }) => {
      if (message.payload !== 'welcome') return;
      call.cancel();
      resolve('welcome');
    });
    call.on('status', resolve);
    call.on('error', () => undefined);
    call.write({
      hello: { siteId, siteName: siteId, siteVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION },
    });
  });
}

/** One central with its own CA in a temp data dir, and the site links and clients opened against it. */
class Fixture {
  readonly authority = new TestAuthority();
  readonly dirs: string[] = [];
  readonly links: SiteLink[] = [];
  readonly clients: FederationClient[] = [];
  server!: FederationServer;
  setup!: FederationTlsSetup;
  caPem!: Buffer;
  port = 0;

  tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  async start(mtls: boolean): Promise<void> {
    const dataDir = this.tempDir('quire-mtls-central-');
    this.setup = await setUpFederationTls(
      {
        data: { dir: dataDir },
        grpc: { host: '127.0.0.1', tlsCertFile: '', tlsKeyFile: '', tlsAltNames: '' },
        federation: { tls: 'auto', mtls },
      },
      createSilentLogger(),
    );
    this.caPem = fs.readFileSync(path.join(dataDir, 'federation-tls', 'ca-cert.pem'));
    this.server = new FederationServer({
      authority: this.authority,
      logger: createSilentLogger(),
      metrics: new Registry(),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      centralVersion: '1.0.0',
      tls: this.setup.tls,
      siteCertificates: this.setup.siteCertificates,
    });
    this.port = await this.server.start('127.0.0.1', 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((link) => link.stop()));
    for (const client of this.clients) client.close();
    await this.server.stop(500);
    for (const dir of this.dirs) fs.rmSync(dir, { recursive: true, force: true });
  }

  /** A real site link; `localhost` is a name in central's generated certificate. */
  link(
    token: string,
    tls: { enabled: boolean; caPem?: Buffer; clientCertificate?: boolean },
    dataDir?: string,
  ) {
    const link = new CentralLink({
      address: `localhost:${this.port}`,
      tls,
      enrolmentToken: token,
      siteName: token,
      siteVersion: '0.1.0',
      dataDir: dataDir ?? this.tempDir('quire-mtls-site-'),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      logger: createSilentLogger(),
      metrics: new Registry(),
    });
    this.links.push(link);
    link.start();
    return link;
  }

  client(credentials: grpc.ChannelCredentials): FederationClient {
    const client = createFederationClient(`localhost:${this.port}`, credentials);
    this.clients.push(client);
    return client;
  }
}

/** What a site keeps after enrolling: its credential and its client certificate. */
function storedCredential(dataDir: string): {
  credential: string;
  clientCertificate?: { keyPem: string; certPem: string; caCertPem: string };
} {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'federation', 'credential.json'), 'utf8'));
}

describe('federation TLS with central’s own CA', function () {
  this.timeout(30000);
  const fixture = new Fixture();

  before(() => fixture.start(false));
  after(() => fixture.stop());

  it('connects a site that was given the CA', async () => {
    const link = fixture.link('token-a', { enabled: true, caPem: fixture.caPem });
    await waitFor(() => link.status().state === 'connected', 'the site to connect');
    expect(link.status()).to.include({ siteId: 'site-a', lastError: null });
    expect(fixture.server.sessions.status('site-a').connected).to.equal(true);
  });

  it('cannot be reached by a site without the CA, nor in plaintext, and their tokens stay unspent', async () => {
    const untrusted = fixture.link('token-b', { enabled: true });
    const plaintext = fixture.link('token-c', { enabled: false });
    await waitFor(
      () => Boolean(untrusted.status().lastError && plaintext.status().lastError),
      'both to fail',
    );
    expect(untrusted.status().state).to.equal('enrolling');
    expect(untrusted.status().lastError).to.match(/certificate/);
    expect(plaintext.status().state).to.equal('enrolling');
    expect(fixture.authority.spent.has('token-b') || fixture.authority.spent.has('token-c')).to.equal(false);
  });
});

describe('federation mutual TLS', function () {
  this.timeout(30000);
  const fixture = new Fixture();
  let siteADir: string;
  let siteA: { keyPem: string; certPem: string; caCertPem: string };

  before(async () => {
    await fixture.start(true);
    siteADir = fixture.tempDir('quire-mtls-site-a-');
    const link = fixture.link(
      'token-a',
      { enabled: true, caPem: fixture.caPem, clientCertificate: true },
      siteADir,
    );
    await waitFor(() => link.status().state === 'connected', 'site A to connect with its certificate');
    siteA = storedCredential(siteADir).clientCertificate!;
  });

  after(() => fixture.stop());

  it('issues the site a certificate at enrolment, kept 0600 with its credential, and sessions use it', async () => {
    expect(fs.statSync(path.join(siteADir, 'federation', 'credential.json')).mode & 0o777).to.equal(0o600);
    const cert = new X509Certificate(siteA.certPem);
    expect(cert.subjectAltName).to.equal('URI:urn:quire:site:site-a');
    expect(cert.verify(new X509Certificate(fixture.caPem).publicKey)).to.equal(true);
    expect(siteA.caCertPem).to.equal(fixture.caPem.toString());
    expect(fixture.server.sessions.status('site-a').connected).to.equal(true);
  });

  it('refuses an enrolment without a certificate request, leaving the token unspent', async () => {
    const link = fixture.link('token-b', { enabled: true, caPem: fixture.caPem, clientCertificate: false });
    await waitFor(() => link.status().state === 'enrolment-failed', 'the enrolment to be refused');
    expect(link.status().lastError).to.match(/requires mutual TLS.*central\.clientCertificate/);
    expect(fixture.authority.spent.has('token-b')).to.equal(false);
  });

  it('refuses a session without a client certificate, even with a valid credential', async () => {
    const client = fixture.client(grpc.credentials.createSsl(fixture.caPem));
    const outcome = await openSession(client, 'site-a', 'credential-site-a');
    expect(outcome).to.include({ code: grpc.status.UNAUTHENTICATED });
    expect((outcome as grpc.StatusObject).details).to.match(/requires mutual TLS/);
  });

  it("refuses site A's certificate presented with site B's id and credential", async () => {
    const withCertA = fixture.client(
      grpc.credentials.createSsl(fixture.caPem, Buffer.from(siteA.keyPem), Buffer.from(siteA.certPem)),
    );
    const asB = await openSession(withCertA, 'site-b', 'credential-site-b');
    expect(asB).to.include({ code: grpc.status.UNAUTHENTICATED });
    expect((asB as grpc.StatusObject).details).to.match(/belongs to site site-a, not to site site-b/);
    // The same connection does open site A's own session.
    expect(await openSession(withCertA, 'site-a', 'credential-site-a')).to.equal('welcome');
  });

  it("refuses a revoked site's session although its certificate is still valid", async () => {
    fixture.authority.revoked.add('site-a');
    const withCertA = fixture.client(
      grpc.credentials.createSsl(fixture.caPem, Buffer.from(siteA.keyPem), Buffer.from(siteA.certPem)),
    );
    const outcome = await openSession(withCertA, 'site-a', 'credential-site-a');
    expect(outcome).to.include({ code: grpc.status.UNAUTHENTICATED });
    expect((outcome as grpc.StatusObject).details).to.match(/revoked/);
  });
});
