/**
 * Unit tests of the site's mutual-TLS helpers: the CSR proves its key, an issued certificate is kept only when
 * it is for that key and from the CA central sent, and a certificate close to its end is reported.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { acceptIssuedCertificate, createCertificateRequest, expiryWarning } from './client-certificate';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A throwaway CA that signs the CSR's key the way central does. */
async function sign(csrPem: string, days = 730): Promise<{ clientCertPem: string; caCertPem: string }> {
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=test CA',
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const request = new x509.Pkcs10CertificateRequest(csrPem);
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=site-a',
    issuer: ca.subject,
    publicKey: request.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * DAY_MS),
  });
  return { clientCertPem: cert.toString('pem'), caCertPem: ca.toString('pem') };
}

describe('client certificate', function () {
  this.timeout(20000);

  it('makes a P-256 key and a CSR that verifies with it', async () => {
    const request = await createCertificateRequest();
    expect(request.keyPem).to.match(/^-----BEGIN PRIVATE KEY-----/);
    const csr = new x509.Pkcs10CertificateRequest(request.csrPem);
    expect(await csr.verify()).to.equal(true);
    expect(csr.publicKey.algorithm).to.include({ name: 'ECDSA', namedCurve: 'P-256' });
  });

  it('keeps the issued certificate with its key and the CA', async () => {
    const request = await createCertificateRequest();
    const issued = await sign(request.csrPem);
    expect(acceptIssuedCertificate(request, issued)).to.deep.equal({
      certificate: { keyPem: request.keyPem, certPem: issued.clientCertPem, caCertPem: issued.caCertPem },
    });
  });

  it('refuses a certificate for another key, from another CA, or none at all', async () => {
    const request = await createCertificateRequest();
    const other = await createCertificateRequest();
    const forOther = await sign(other.csrPem);
    expect(acceptIssuedCertificate(request, forOther)).to.deep.equal({
      problem: 'the client certificate from central is for another key',
    });
    const mine = await sign(request.csrPem);
    expect(acceptIssuedCertificate(request, { ...mine, caCertPem: forOther.caCertPem })).to.deep.equal({
      problem: 'the client certificate from central is not signed by the CA central sent',
    });
    expect(
      acceptIssuedCertificate(request, { clientCertPem: '', caCertPem: mine.caCertPem }),
    ).to.have.property('problem');
    expect(acceptIssuedCertificate(request, { clientCertPem: 'junk', caCertPem: 'junk' })).to.deep.equal({
      problem: 'central sent a client certificate that is not valid PEM',
    });
  });

  it('warns from 60 days before the end, after it, and about an unreadable certificate', async () => {
    const request = await createCertificateRequest();
    const keep = (days: number) =>
      sign(request.csrPem, days).then((issued) => acceptIssuedCertificate(request, issued));
    const fresh = await keep(730);
    const ending = await keep(30);
    if (!('certificate' in fresh) || !('certificate' in ending)) throw new Error('signing failed');
    expect(expiryWarning(fresh.certificate)).to.equal(null);
    expect(expiryWarning(ending.certificate)).to.match(/expires in 29 days.*enrol the site again/);
    const later = new Date(Date.now() + 40 * DAY_MS);
    expect(expiryWarning(ending.certificate, later)).to.match(/expired on .*enrol the site again/);
    expect(expiryWarning({ ...fresh.certificate, certPem: 'junk' })).to.match(/unreadable/);
  });
});
