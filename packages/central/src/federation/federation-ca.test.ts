/**
 * Unit tests of central's federation CA on a real temp data dir: first start generates the CA and the server
 * certificate (keys 0600), later starts reuse them, the server certificate names what sites dial and follows
 * name changes under the same CA, a CA certificate without its key stops central, and a signed site CSR
 * verifies against the CA and names the site.
 */
import { webcrypto, X509Certificate as NodeCertificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { createSilentLogger, ErrorCode, isQuireError } from '@quire/common';
import { FederationCa, FEDERATION_TLS_DIR } from './federation-ca';
import { hostNamesOf, KEY_ALGORITHM, siteIdsOf } from './federation-ca-x509';

const DAY_MS = 86_400_000;
const logger = createSilentLogger();

/** A CSR as a site makes it, with a subject the CA must ignore. */
async function siteRequest(): Promise<x509.Pkcs10CertificateRequest> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  return x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=i-want-to-be-site-b',
    keys,
    signingAlgorithm: KEY_ALGORITHM,
  });
}

describe('FederationCa', function () {
  this.timeout(20000);
  let dataDir: string;
  let tlsDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-fed-ca-'));
    tlsDir = path.join(dataDir, FEDERATION_TLS_DIR);
  });

  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const mode = (file: string): number => fs.statSync(path.join(tlsDir, file)).mode & 0o777;

  it('generates a 10-year CA on first start, with its key readable by the owner only', async () => {
    const ca = await FederationCa.open(dataDir, logger);
    expect(ca.created).to.equal(true);
    expect(fs.readdirSync(tlsDir).sort()).to.deep.equal(['ca-cert.pem', 'ca-key.pem']);
    expect(mode('ca-key.pem')).to.equal(0o600);
    expect(fs.statSync(tlsDir).mode & 0o777).to.equal(0o700);
    const cert = new x509.X509Certificate(ca.certPem);
    expect(cert.subject).to.equal(cert.issuer);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).to.equal(true);
    expect(await cert.verify({ signatureOnly: true })).to.equal(true);
    const years = (cert.notAfter.getTime() - cert.notBefore.getTime()) / (365 * DAY_MS);
    expect(years).to.be.within(9.9, 10.1);
  });

  it('reuses the CA and the server certificate on later starts', async () => {
    const first = await FederationCa.open(dataDir, logger);
    const names = ['central.example.org', 'localhost', '127.0.0.1'];
    const server = await first.serverCertificate(names);
    expect(server.issued).to.equal(true);
    expect(mode('server-key.pem')).to.equal(0o600);

    const second = await FederationCa.open(dataDir, logger);
    expect(second.created).to.equal(false);
    expect(second.certPem).to.equal(first.certPem);
    const again = await second.serverCertificate(names);
    expect(again).to.deep.equal({ certPem: server.certPem, keyPem: server.keyPem, issued: false });
  });

  it('issues a server certificate for every name and address, signed by the CA, and again when names are added', async () => {
    const ca = await FederationCa.open(dataDir, logger);
    const names = [os.hostname(), 'localhost', '127.0.0.1', '::1'];
    const server = await ca.serverCertificate(names);
    const cert = new x509.X509Certificate(server.certPem);
    expect(hostNamesOf(cert)).to.have.members(names);
    expect(await ca.signed(cert)).to.equal(true);
    const usage = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages;
    expect(usage).to.deep.equal([x509.ExtendedKeyUsage.serverAuth]);
    // Node's TLS name check is what a site runs: the certificate must pass it for the host name and loopback.
    const nodeCert = new NodeCertificate(server.certPem);
    expect(nodeCert.checkHost('localhost')).to.equal('localhost');
    expect(nodeCert.checkIP('127.0.0.1')).to.equal('127.0.0.1');

    const widened = await ca.serverCertificate([...names, 'fed.example.org', '10.1.2.3']);
    expect(widened.issued).to.equal(true);
    const widenedCert = new x509.X509Certificate(widened.certPem);
    expect(hostNamesOf(widenedCert)).to.include.members(['fed.example.org', '10.1.2.3']);
    expect(widenedCert.issuer).to.equal(ca.certificate.subject);
  });

  it('issues the server certificate again when its key no longer matches', async () => {
    const ca = await FederationCa.open(dataDir, logger);
    await ca.serverCertificate(['localhost']);
    fs.copyFileSync(path.join(tlsDir, 'ca-key.pem'), path.join(tlsDir, 'server-key.pem'));
    const repaired = await ca.serverCertificate(['localhost']);
    expect(repaired.issued).to.equal(true);
    expect(fs.readFileSync(path.join(tlsDir, 'server-key.pem'), 'utf8')).to.equal(repaired.keyPem);
  });

  it('refuses to start when the CA certificate is there but its key is missing or foreign', async () => {
    await FederationCa.open(dataDir, logger);
    const certPem = fs.readFileSync(path.join(tlsDir, 'ca-cert.pem'), 'utf8');
    fs.rmSync(path.join(tlsDir, 'ca-key.pem'));
    const missing = await FederationCa.open(dataDir, logger).catch((err: unknown) => err);
    expect(isQuireError(missing, ErrorCode.FederationTlsInvalid)).to.equal(true);
    expect((missing as Error).message).to.contain('ca-key.pem');

    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-fed-ca-other-'));
    await FederationCa.open(other, logger);
    fs.copyFileSync(path.join(other, FEDERATION_TLS_DIR, 'ca-key.pem'), path.join(tlsDir, 'ca-key.pem'));
    fs.rmSync(other, { recursive: true, force: true });
    const foreign = await FederationCa.open(dataDir, logger).catch((err: unknown) => err);
    expect(isQuireError(foreign, ErrorCode.FederationTlsInvalid)).to.equal(true);
    // Nothing was replaced: the CA the sites were given is still the one on disk.
    expect(fs.readFileSync(path.join(tlsDir, 'ca-cert.pem'), 'utf8')).to.equal(certPem);
  });

  it('makes the CA again when only its key survived a crash during the first start', async () => {
    await FederationCa.open(dataDir, logger);
    const oldKey = fs.readFileSync(path.join(tlsDir, 'ca-key.pem'), 'utf8');
    fs.rmSync(path.join(tlsDir, 'ca-cert.pem'));
    const ca = await FederationCa.open(dataDir, logger);
    expect(ca.created).to.equal(true);
    expect(fs.readFileSync(path.join(tlsDir, 'ca-key.pem'), 'utf8')).to.not.equal(oldKey);
  });

  it('signs a site CSR for 2 years, for the site id it is given and nothing the CSR asked for', async () => {
    const ca = await FederationCa.open(dataDir, logger);
    const request = await siteRequest();
    const pem = await ca.signSiteRequest(request, 'site-a');
    const cert = new x509.X509Certificate(pem);
    expect(await cert.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true })).to.equal(true);
    expect(cert.subject).to.equal('CN=site-a');
    expect(siteIdsOf(cert)).to.deep.equal(['site-a']);
    expect(new NodeCertificate(pem).subjectAltName).to.equal('URI:urn:quire:site:site-a');
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).to.deep.equal([
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(Buffer.from(cert.publicKey.rawData).equals(Buffer.from(request.publicKey.rawData))).to.equal(true);
    const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS;
    expect(days).to.be.within(729, 731);
  });
});
