/**
 * Unit tests of the credential file adapter on a real temp directory: round trip, 0600 mode, no temp files left
 * behind (even when the final rename fails), and a specific, actionable error for a corrupt file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import { CredentialStore, type StoredCredential } from './credential-store';

const sample: StoredCredential = {
  siteId: '01936f1e-0000-7000-8000-000000000001',
  siteName: 'Branch A',
  credential: 'c2VjcmV0LWNyZWRlbnRpYWw',
  centralAddress: 'central.example:8093',
  enrolledAt: new Date('2026-01-02T03:04:05.000Z'),
};

describe('CredentialStore', () => {
  let dataDir: string;
  let store: CredentialStore;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-credential-'));
    store = new CredentialStore(dataDir);
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('returns null when the site never enrolled', async () => {
    expect(await store.load()).to.equal(null);
  });

  it('round-trips the credential in <dataDir>/federation/credential.json with mode 0600', async () => {
    await store.save(sample);
    expect(store.path).to.equal(path.join(dataDir, 'federation', 'credential.json'));
    expect(fs.statSync(store.path).mode & 0o777).to.equal(0o600);
    expect(await store.load()).to.deep.equal(sample);
    const onDisk = JSON.parse(fs.readFileSync(store.path, 'utf8'));
    expect(onDisk.enrolledAt).to.equal('2026-01-02T03:04:05.000Z');
  });

  it('replaces an existing credential and leaves no temp files', async () => {
    await store.save(sample);
    await store.save({ ...sample, credential: 'bmV3LWNyZWRlbnRpYWw' });
    expect((await store.load())?.credential).to.equal('bmV3LWNyZWRlbnRpYWw');
    expect(fs.readdirSync(path.dirname(store.path))).to.deep.equal(['credential.json']);
  });

  it('keeps the mutual-TLS client certificate in the same 0600 file', async () => {
    const withCertificate: StoredCredential = {
      ...sample,
      clientCertificate: { keyPem: 'KEY PEM', certPem: 'CERT PEM', caCertPem: 'CA PEM' },
    };
    await store.save(withCertificate);
    expect(fs.statSync(store.path).mode & 0o777).to.equal(0o600);
    expect(await store.load()).to.deep.equal(withCertificate);
  });

  it('removes its temp file when the final rename fails', async () => {
    fs.mkdirSync(path.join(store.path, 'in-the-way'), { recursive: true });
    const failed = await store.save(sample).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).to.be.instanceOf(Error);
    expect(fs.readdirSync(path.dirname(store.path))).to.deep.equal(['credential.json']);
    expect(fs.statSync(store.path).isDirectory()).to.equal(true);
  });

  for (const [problem, content] of [
    ['invalid JSON', '{"siteId": "abc"'],
    ['a missing credential', JSON.stringify({ ...sample, credential: undefined })],
    ['a bad date', JSON.stringify({ ...sample, enrolledAt: 'yesterday' })],
    ['an array', '[]'],
    [
      'a client certificate without its key',
      JSON.stringify({ ...sample, clientCertificate: { certPem: 'x' } }),
    ],
  ] as const) {
    it(`reports ${problem} as SITE_CREDENTIAL_CORRUPT, naming the file and the fix`, async () => {
      fs.mkdirSync(path.dirname(store.path), { recursive: true });
      fs.writeFileSync(store.path, content);
      const err = await store.load().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isQuireError(err, ErrorCode.SiteCredentialCorrupt)).to.equal(true);
      const message = (err as Error).message;
      expect(message).to.contain(store.path);
      expect(message).to.contain('Delete it');
      expect(message).to.contain('enrolment-token');
    });
  }
});
