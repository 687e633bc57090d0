/**
 * The federation server over TLS, with a self-signed certificate made by the `openssl` CLI: a client that trusts
 * the certificate enrols and gets a welcome, a plaintext client cannot talk to it at all.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { createSilentLogger, ErrorCode, QuireError } from '@quire/common';
import {
  createFederationClient,
  PROTOCOL_VERSION,
  siteSessionMetadata,
  type CentralMessage__Output,
  type FederationClient,
} from '@quire/shared-proto';
import { Registry } from 'prom-client';
import { FederationServer, type SiteAuthority } from '../src/federation';

/** A self-signed certificate for localhost and 127.0.0.1, valid for one day. */
function makeSelfSignedCert(dir: string): { certPem: Buffer; keyPem: Buffer } {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext'].concat([
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore', timeout: 20000 },
  );
  return { certPem: fs.readFileSync(certFile), keyPem: fs.readFileSync(keyFile) };
}

const authority: SiteAuthority = {
  async enrol(token, info) {
    if (token !== 'good-token') throw new QuireError(ErrorCode.EnrolmentTokenInvalid, 'refused');
    return { siteId: 'site-tls', siteName: info.siteName, credential: 'tls-credential' };
  },
  async authenticate(siteId, credential) {
    return siteId === 'site-tls' && credential === 'tls-credential'
      ? { id: siteId, name: 'TLS branch' }
      : null;
  },
  async recordSeen() {},
};

describe('FederationServer over TLS', function () {
  this.timeout(30000);
  let dir: string;
  let server: FederationServer;
  let port: number;
  let cert: { certPem: Buffer; keyPem: Buffer };
  const clients: FederationClient[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-fed-tls-'));
    cert = makeSelfSignedCert(dir);
    server = new FederationServer({
      authority,
      logger: createSilentLogger(),
      metrics: new Registry(),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      centralVersion: '1.0.0',
      tls: cert,
    });
    port = await server.start('127.0.0.1', 0);
  });

  after(async () => {
    for (const client of clients) client.close();
    await server.stop(500);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function client(credentials: grpc.ChannelCredentials): FederationClient {
    // Verify the certificate by its DNS name: Node warns when TLS SNI is set to an IP address.
    const created = createFederationClient(`127.0.0.1:${port}`, credentials, {
      'grpc.ssl_target_name_override': 'localhost',
    });
    clients.push(created);
    return created;
  }

  function enrol(target: FederationClient, token: string) {
    return new Promise<{ siteId: string; credential: string }>((resolve, reject) => {
      target.Enrol(
        { token, siteName: 'TLS branch', siteVersion: '0.1.0' },
        { deadline: Date.now() + 5000 },
        (err, res) => (err || !res ? reject(err) : resolve(res)),
      );
    });
  }

  it('enrols and opens a session for a client that trusts the certificate', async () => {
    const trusted = client(grpc.credentials.createSsl(cert.certPem));
    const enrolled = await enrol(trusted, 'good-token');
    expect(enrolled).to.include({ siteId: 'site-tls', credential: 'tls-credential' });

    const call = trusted.Session(siteSessionMetadata(enrolled.siteId, enrolled.credential));
    const first = new Promise<CentralMessage__Output>((resolve) => call.once('data', resolve));
    call.on('error', () => undefined);
    call.write({
      hello: {
        siteId: 'site-tls',
        siteName: 'TLS branch',
        siteVersion: '0.1.0',
        protocolVersion: PROTOCOL_VERSION,
      },
    });
    expect((await first).payload).to.equal('welcome');
    expect(server.sessions.status('site-tls').connected).to.equal(true);
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.end();
    expect((await status).code).to.equal(grpc.status.OK);
  });

  it('is unreachable for a plaintext client and for one that does not trust the certificate', async () => {
    const plaintext = await enrol(client(grpc.credentials.createInsecure()), 'good-token').catch(
      (e: grpc.ServiceError) => e,
    );
    expect(plaintext).to.include({ code: grpc.status.UNAVAILABLE });
    const untrusted = await enrol(client(grpc.credentials.createSsl()), 'good-token').catch(
      (e: grpc.ServiceError) => e,
    );
    expect(untrusted).to.include({ code: grpc.status.UNAVAILABLE });
  });
});
