/**
 * The IPPS certificate helper: a self-signed certificate is generated once into `<data dir>/tls/` with mode
 * 0600 and the expected names, reused on later starts, and configured PEM files are used as given (both or
 * neither).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSilentLogger, isQuireError } from '@quire/common';
import { expect } from 'chai';
import { loadIppTlsCredentials } from '../src/intake/ipp';

describe('IPPS certificate', function () {
  this.timeout(60_000);
  let dir: string;
  const logger = createSilentLogger();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-ipp-tls-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates a certificate once, private to the service, naming localhost, loopback and our host names', async () => {
    const first = await loadIppTlsCredentials({
      dataDir: dir,
      logger,
      hostNames: ['print.branch.example', '10.1.2.3'],
    });
    expect(first.generated).to.equal(true);
    expect(first.certPath).to.equal(path.join(dir, 'tls', 'ipp-cert.pem'));
    for (const file of [first.certPath, first.keyPath])
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
    const certificate = new X509Certificate(first.certPem);
    const names = certificate.subjectAltName ?? '';
    for (const name of [
      'DNS:localhost',
      'DNS:print.branch.example',
      'IP Address:127.0.0.1',
      'IP Address:10.1.2.3',
    ]) {
      expect(names).to.contain(name);
    }
    expect(certificate.checkPrivateKey(createPrivateKey(first.keyPem))).to.equal(true);
    expect(new Date(certificate.validTo).getTime()).to.be.greaterThan(Date.now() + 3000 * 86_400_000);
    const second = await loadIppTlsCredentials({ dataDir: dir, logger });
    expect(second.generated).to.equal(false);
    expect(second.certPem).to.equal(first.certPem);
    expect(second.keyPem).to.equal(first.keyPem);
  });

  it('uses configured PEM files as they are, and refuses a certificate without its key', async () => {
    const generated = await loadIppTlsCredentials({ dataDir: path.join(dir, 'source'), logger });
    const certFile = path.join(dir, 'site.crt');
    const keyFile = path.join(dir, 'site.key');
    await writeFile(certFile, generated.certPem);
    await writeFile(keyFile, generated.keyPem);
    const configured = await loadIppTlsCredentials({ dataDir: dir, logger, certFile, keyFile });
    expect(configured).to.deep.include({ certPath: certFile, keyPath: keyFile, generated: false });
    expect(configured.certPem).to.equal(generated.certPem);
    try {
      await loadIppTlsCredentials({ dataDir: dir, logger, certFile });
      expect.fail('expected a configuration error');
    } catch (err) {
      expect(isQuireError(err, 'CONFIG_INVALID')).to.equal(true);
      expect((err as Error).message).to.match(/ipp\.tlsCertFile and ipp\.tlsKeyFile must be set together/);
    }
  });
});
