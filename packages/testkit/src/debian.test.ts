/**
 * Tests for the Debian package checks. Installing is exercised for real by the MariaDB integration test;
 * here we check detection and input validation, which must never reach apt-get.
 */
import { expect } from 'chai';
import { ensureDebianPackages, missingDebianPackages } from './debian';

describe('Debian packages', () => {
  it('reports installed packages as present and unknown ones as missing', async () => {
    const missing = await missingDebianPackages(['dpkg', 'coreutils', 'quire-no-such-package', 'dpkg']);
    expect(missing).to.deep.equal(['quire-no-such-package']);
  });

  it('resolves without installing anything when everything is present', async () => {
    const started = Date.now();
    await ensureDebianPackages(['dpkg', 'coreutils']);
    expect(Date.now() - started).to.be.below(5_000);
  });

  it('rejects names that are not Debian package names before running anything', async () => {
    const error = await ensureDebianPackages(['dpkg', '--allow-unauthenticated', 'bad name']).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).to.equal('invalid Debian package name(s): --allow-unauthenticated, bad name');
  });
});
