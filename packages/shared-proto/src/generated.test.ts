/**
 * Guards the committed generated types against drift: it regenerates them from the protos into a temp dir with
 * the package's own `gen` script and requires the result to match `src/generated` file for file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadFederationPackage, readSiteSessionMetadata, siteSessionMetadata, int64ToNumber } from './index';

const packageDir = path.resolve(__dirname, '..', '..');

function listFiles(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('shared-proto generated types', function () {
  this.timeout(30000);
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-proto-gen-'));
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('match a fresh run of `npm run proto:gen` (regenerate and commit them when this fails)', () => {
    const outDir = path.join(tmp, 'generated');
    execFileSync(process.execPath, [path.join(packageDir, 'scripts', 'gen-types.cjs'), outDir]);
    const committedDir = path.join(packageDir, 'src', 'generated');
    const fresh = listFiles(outDir);
    expect(listFiles(committedDir)).to.deep.equal(fresh);
    expect(fresh).to.include('federation.ts');
    for (const file of fresh) {
      const expected = fs.readFileSync(path.join(outDir, file), 'utf8');
      expect(fs.readFileSync(path.join(committedDir, file), 'utf8'), file).to.equal(expected);
    }
  });
});

describe('shared-proto helpers', () => {
  it('loads the Federation service with both methods, once', () => {
    const pkg = loadFederationPackage();
    expect(Object.keys(pkg.Federation.service).sort()).to.deep.equal(['Enrol', 'Session']);
    expect(loadFederationPackage()).to.equal(pkg);
  });

  it('round-trips session metadata and refuses malformed authorization', () => {
    const metadata = siteSessionMetadata('site-1', 'secret-value');
    expect(readSiteSessionMetadata(metadata)).to.deep.equal({ siteId: 'site-1', credential: 'secret-value' });
    metadata.set('authorization', 'Basic abc');
    expect(readSiteSessionMetadata(metadata)).to.equal(null);
    metadata.set('authorization', 'bearer  token2 ');
    expect(readSiteSessionMetadata(metadata)).to.deep.equal({ siteId: 'site-1', credential: 'token2' });
    metadata.remove('x-quire-site-id');
    expect(readSiteSessionMetadata(metadata)).to.equal(null);
  });

  it('converts decoded 64-bit integers to numbers only when exact', () => {
    expect(int64ToNumber('1700000000000')).to.equal(1700000000000);
    expect(int64ToNumber('9007199254740993')).to.equal(null);
    expect(int64ToNumber('abc')).to.equal(null);
    expect(int64ToNumber(undefined)).to.equal(null);
  });
});
