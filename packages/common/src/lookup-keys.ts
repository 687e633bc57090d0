/**
 * PIN and card lookup keys: a keyed HMAC of the normalised value, so the directory can find a user by what they
 * type or swipe without storing it. Card readers differ in case and padding (`00A1B2` vs `a1b2`); the value is
 * trimmed and upper-cased, and leading zeros are kept because some card numbers differ only by them.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hmacHex, randomToken } from './crypto';

/** Computes the lookup keys of PINs and cards under one secret key. */
export class LookupKeys {
  constructor(private key: string) {}

  /** The secret itself, for central to hand to its sites over the federation session. */
  get secret(): string {
    return this.key;
  }

  /** Use `key` from now on: a site adopts the organisation's secret from central. */
  useSecret(key: string): void {
    this.key = key;
  }

  /** The lookup key of a PIN. */
  pin(pin: string): string {
    return hmacHex(this.key, `pin:${pin.trim()}`);
  }

  /** The lookup key of a card number. */
  card(card: string): string {
    return hmacHex(this.key, `card:${card.trim().toUpperCase()}`);
  }
}

/** Keep `key` as the lookup-key secret in `<dataDir>/lookup-key` (mode 0600), replacing what was there. */
export async function saveLookupKey(dataDir: string, key: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'lookup-key');
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${key}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/**
 * The lookup-key secret: `configured` when set, else the one kept in `<dataDir>/lookup-key`, generated (mode
 * 0600) on first start. Changing it makes every stored PIN and card unfindable until central sends them again.
 */
export async function loadLookupKeys(configured: string, dataDir: string): Promise<LookupKeys> {
  if (configured) return new LookupKeys(configured);
  const file = path.join(dataDir, 'lookup-key');
  if (existsSync(file)) return new LookupKeys((await readFile(file, 'utf8')).trim());
  await mkdir(dataDir, { recursive: true });
  const key = randomToken(32);
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await chmod(file, 0o600);
  return new LookupKeys((await readFile(file, 'utf8')).trim());
}
