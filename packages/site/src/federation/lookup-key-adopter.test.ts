/** LookupKeyAdopter: a site takes central's lookup-key secret from welcome, keeps it, and uses it at once. */
import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createSilentLogger, LookupKeys, loadLookupKeys } from '@quire/common';
import type { Welcome__Output } from '@quire/shared-proto';
import type { LinkChannel } from './link-participant';
import { LookupKeyAdopter } from './lookup-key-adopter';

const channel: LinkChannel = {
  send: () => true,
  drained: async () => undefined,
  fail: () => undefined,
  open: true,
};

function welcome(lookupKey: string): Welcome__Output {
  return {
    centralVersion: 'test',
    protocolVersion: 1,
    heartbeatSeconds: 1,
    serverTimeMs: '0',
    appliedSeq: '0',
    lookupKey,
  };
}

async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('LookupKeyAdopter', () => {
  it("adopts central's secret, so the site computes central's keys, and keeps it for the next start", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'quire-lookup-'));
    const keys = await loadLookupKeys('', dataDir);
    const central = new LookupKeys('central-secret-0123456789');
    expect(keys.pin('1234')).to.not.equal(central.pin('1234'));
    new LookupKeyAdopter({
      lookupKeys: keys,
      dataDir,
      configured: false,
      logger: createSilentLogger(),
    }).onEstablished(channel, welcome('central-secret-0123456789'));
    await settled();
    expect(keys.pin('1234')).to.equal(central.pin('1234'));
    expect(keys.card('00a1b2')).to.equal(central.card('00A1B2'));
    const file = path.join(dataDir, 'lookup-key');
    expect(readFileSync(file, 'utf8').trim()).to.equal('central-secret-0123456789');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect((await loadLookupKeys('', dataDir)).pin('1234')).to.equal(central.pin('1234'));
  });

  it('uses but never writes the secret when the site configures its own, and ignores an empty one', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'quire-lookup-'));
    const keys = new LookupKeys('site-configured-secret');
    const adopter = new LookupKeyAdopter({
      lookupKeys: keys,
      dataDir,
      configured: true,
      logger: createSilentLogger(),
    });
    adopter.onEstablished(channel, welcome(''));
    expect(keys.secret).to.equal('site-configured-secret');
    adopter.onEstablished(channel, welcome('central-secret'));
    await settled();
    expect(keys.secret).to.equal('central-secret');
    expect(existsSync(path.join(dataDir, 'lookup-key'))).to.equal(false);
  });
});
