import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { checkSpoolHealth, ensureSpoolDirectory } from './spool-health';

describe('spool health', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'quire-spool-'));

  it('creates the directory and reports free space, leaving no probe file behind', async () => {
    const dir = path.join(base, 'a', 'spool');
    await ensureSpoolDirectory(dir);
    const health = await checkSpoolHealth(dir, 0);
    expect(health.ok).to.equal(true);
    expect(health.detail).to.match(/^\d+ MiB free$/);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('is not ready below the free-space floor', async () => {
    const health = await checkSpoolHealth(base, 1024 * 1024 * 1024);
    expect(health.ok).to.equal(false);
    expect(health.detail).to.contain('below QUIRE_SPOOL_MIN_FREE_MB');
  });

  it('is not ready when the path is not a writable directory', async () => {
    const file = path.join(base, 'not-a-dir');
    writeFileSync(file, 'x');
    const health = await checkSpoolHealth(file, 0);
    expect(health.ok).to.equal(false);
    expect(health.detail).to.contain('is not writable');
  });

  it('is not ready when the directory is missing', async () => {
    const dir = path.join(base, 'gone');
    const health = await checkSpoolHealth(dir, 0);
    expect(health.ok).to.equal(false);
    chmodSync(base, 0o755);
  });
});
