/** The running site version, from this package's package.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const siteVersion: string = (
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;
