/**
 * Unit tests of site certificates and of the federation TLS set-up: CSRs are checked before a token is spent,
 * the Session check accepts only a certificate of this CA for exactly the site named in the metadata, and the
 * set-up turns each `federation.tls` mode into the right material or a clear configuration error.
 */
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { createSilentLogger, ErrorCode, isQuireError, loadConfig } from '@quire/common';
import { FederationCa } from './federation-ca';
import { CaSiteCertificates, CLIENT_CERTIFICATE_REQUIRED, type TlsPeerCall } from './federation-ca-sites';
import { serverCertificateNames, setUpFederationTls, type FederationTlsConfig } from './federation-ca-tls';
import { hostNamesOf, KEY_ALGORITHM } from './federation-ca-x509';

const logger = createSilentLogger();

/** A site CSR; `algorithm` defaults to the ECDSA P-256 sites use. */
async function csrPem(
  algorithm: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams = KEY_ALGORITHM,
): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=quire-site',
    keys,
    signingAlgorithm: algorithm,
  });
  return csr.toString('pem');
}

/** A server call whose TLS peer presented `certPem` (verified by the handshake), or nothing. */
function peer(certPem?: string): TlsPeerCall {
  const raw = certPem ? Buffer.from(new x509.X509Certificate(certPem).rawData) : undefined;
  return { getAuthContext: () => (raw ? { sslPeerCertificate: { raw } } : {}) };
}

async function expectValidationFailed(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isQuireError(err, ErrorCode.ValidationFailed), String(err)).to.equal(true);
  expect((err as Error).message).to.match(pattern);
}

describe('CaSiteCertificates', function () {
  this.timeout(20000);
  const dirs: string[] = [];
  let ca: FederationCa;

  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-fed-sites-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    ca = await FederationCa.open(tempDir(), logger);
  });

  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('issues the site certificate for the assigned id, with the CA certificate', async () => {
    const pending = await new CaSiteCertificates(ca, true).prepareEnrolment(await csrPem());
    const issued = await pending.issue('site-a');
    expect(issued.caCertPem).to.equal(ca.certPem);
    expect(new x509.X509Certificate(issued.clientCertPem).subject).to.equal('CN=site-a');
  });

  it('without a CSR: sends only the CA when mTLS is off, and refuses the enrolment when it is on', async () => {
    const optional = await new CaSiteCertificates(ca, false).prepareEnrolment('');
    expect(await optional.issue('site-a')).to.deep.equal({ clientCertPem: '', caCertPem: ca.certPem });
    await expectValidationFailed(
      new CaSiteCertificates(ca, true).prepareEnrolment(''),
      /requires mutual TLS.*central\.clientCertificate.*token was not used/,
    );
  });

  it('refuses a CSR that is not PKCS#10, is forged, or uses a weak key', async () => {
    const certificates = new CaSiteCertificates(ca, true);
    await expectValidationFailed(certificates.prepareEnrolment('hello'), /not a PEM PKCS#10/);
    await expectValidationFailed(certificates.prepareEnrolment('x'.repeat(20_000)), /longer than/);
    // A CSR whose key does not match its signature: the public key of one request, the signature of another.
    const real = new x509.Pkcs10CertificateRequest(await csrPem());
    const other = new x509.Pkcs10CertificateRequest(await csrPem());
    const forged = Buffer.from(real.rawData);
    const realKey = Buffer.from(real.publicKey.rawData);
    forged.set(Buffer.from(other.publicKey.rawData), forged.indexOf(realKey));
    const forgedPem = x509.PemConverter.encode(forged, 'CERTIFICATE REQUEST');
    await expectValidationFailed(certificates.prepareEnrolment(forgedPem), /signature does not verify/);
    const weakRsa = await csrPem({
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
    });
    await expectValidationFailed(certificates.prepareEnrolment(weakRsa), /shorter than 2048 bits/);
  });

  it("accepts a session only with this CA's certificate for exactly its site", async () => {
    const certificates = new CaSiteCertificates(ca, true);
    const siteA = await (await certificates.prepareEnrolment(await csrPem())).issue('site-a');
    expect(await certificates.checkSessionPeer(peer(siteA.clientCertPem), 'site-a')).to.equal(null);
    expect(await certificates.checkSessionPeer(peer(), 'site-a')).to.equal(CLIENT_CERTIFICATE_REQUIRED);
    expect(await certificates.checkSessionPeer(peer(siteA.clientCertPem), 'site-b')).to.match(
      /belongs to site site-a, not to site site-b/,
    );

    const otherCa = await FederationCa.open(tempDir(), logger);
    const foreign = await (
      await new CaSiteCertificates(otherCa, true).prepareEnrolment(await csrPem())
    ).issue('site-a');
    expect(await certificates.checkSessionPeer(peer(foreign.clientCertPem), 'site-a')).to.equal(
      CLIENT_CERTIFICATE_REQUIRED,
    );
    expect(await certificates.checkSessionPeer(peer(ca.certPem), 'site-a')).to.match(/belongs to no site/);
  });
});

describe('setUpFederationTls', function () {
  this.timeout(20000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-fed-setup-'));
  });

  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  function config(
    federation: FederationTlsConfig['federation'],
    grpc: Partial<FederationTlsConfig['grpc']> = {},
  ): FederationTlsConfig {
    return {
      data: { dir: dataDir },
      grpc: { host: '0.0.0.0', tlsCertFile: '', tlsKeyFile: '', tlsAltNames: '', ...grpc },
      federation,
    };
  }

  async function configError(settings: FederationTlsConfig): Promise<string> {
    const err = await setUpFederationTls(settings, logger).catch((e: unknown) => e);
    expect(isQuireError(err, ErrorCode.ConfigInvalid), String(err)).to.equal(true);
    return (err as Error).message;
  }

  it('auto: serves a certificate of its own CA (chain included), and asks for client certificates with mTLS', async () => {
    const plain = await setUpFederationTls(config({ tls: 'auto', mtls: false }), logger);
    const caPem = fs.readFileSync(path.join(dataDir, 'federation-tls', 'ca-cert.pem'), 'utf8');
    expect(plain.tls?.certPem.toString()).to.contain(caPem.trim());
    expect(plain.tls?.clientCaPem).to.equal(undefined);
    expect(plain.siteCertificates?.required).to.equal(false);

    const mutual = await setUpFederationTls(config({ tls: 'auto', mtls: true }), logger);
    expect(mutual.tls?.clientCaPem?.toString()).to.equal(caPem);
    expect(mutual.tls?.certPem.equals(plain.tls!.certPem)).to.equal(true);
    expect(mutual.siteCertificates?.required).to.equal(true);
  });

  it("auto and files: the operator's certificate files win over the generated one", async () => {
    const certFile = path.join(dataDir, 'op-cert.pem');
    const keyFile = path.join(dataDir, 'op-key.pem');
    fs.writeFileSync(certFile, 'operator certificate');
    fs.writeFileSync(keyFile, 'operator key');
    const files = { tlsCertFile: certFile, tlsKeyFile: keyFile };
    const auto = await setUpFederationTls(config({ tls: 'auto', mtls: true }, files), logger);
    expect(auto.tls?.certPem.toString()).to.equal('operator certificate');
    expect(auto.siteCertificates?.required).to.equal(true);
    const only = await setUpFederationTls(config({ tls: 'files', mtls: false }, files), logger);
    expect(only).to.deep.equal({
      tls: { certPem: Buffer.from('operator certificate'), keyPem: Buffer.from('operator key') },
    });
  });

  it('off is plaintext, and settings that contradict the mode are refused', async () => {
    expect(await setUpFederationTls(config({ tls: 'off', mtls: false }), logger)).to.deep.equal({});
    expect(fs.existsSync(path.join(dataDir, 'federation-tls'))).to.equal(false);
    expect(await configError(config({ tls: 'off', mtls: true }))).to.match(/federation\.tls is off/);
    expect(await configError(config({ tls: 'files', mtls: false }))).to.match(/grpc\.tlsCertFile/);
    const files = { tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' };
    expect(await configError(config({ tls: 'files', mtls: true }, files))).to.match(
      /federation\.tls to auto/,
    );
  });

  it('reads its settings from the loaded configuration', async () => {
    const loaded = loadConfig({
      role: 'central',
      env: {
        QUIRE_DATA_DIR: dataDir,
        QUIRE_FEDERATION_MTLS: 'true',
        QUIRE_GRPC_TLS_ALT_NAMES: 'fed.example.org, 192.0.2.7',
      },
    });
    expect(loaded.federation.tls).to.equal('auto');
    const setup = await setUpFederationTls(loaded, logger);
    const served = new x509.X509Certificate(setup.tls!.certPem.toString());
    expect(hostNamesOf(served)).to.include.members(['fed.example.org', '192.0.2.7', 'localhost']);
    expect(setup.siteCertificates?.required).to.equal(true);
  });

  it('names the server certificate after loopback, the host name, a specific bind address and the extra names', () => {
    const names = serverCertificateNames({
      host: '10.0.0.5',
      tlsAltNames: 'Fed.example.org, 10.0.0.5,localhost',
    });
    expect(names).to.have.members([
      os.hostname(),
      'localhost',
      '10.0.0.5',
      'Fed.example.org',
      '127.0.0.1',
      '::1',
    ]);
    expect(new Set(names).size).to.equal(names.length);
    expect(serverCertificateNames({ host: '0.0.0.0', tlsAltNames: '' })).to.not.include('0.0.0.0');
  });
});
