/**
 * Readiness of the spool directory: it must exist, be writable (proved by writing, fsyncing and removing a probe
 * file, which also catches a read-only remount), and have room left. Used by the site's `/readyz`.
 */
import { mkdir, open, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '@quire/common';

export interface SpoolHealth {
  ok: boolean;
  detail: string;
}

/** Create the spool directory if it is missing (at start-up). */
export async function ensureSpoolDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
}

/** Probe the spool directory; never throws. */
export async function checkSpoolHealth(dir: string, minFreeMb: number): Promise<SpoolHealth> {
  const probe = path.join(dir, `.readyz-${process.pid}`);
  try {
    const handle = await open(probe, 'w', 0o600);
    try {
      await handle.writeFile('ok');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await unlink(probe);
    const fs = await statfs(dir);
    const freeMb = Math.floor((fs.bavail * fs.bsize) / (1024 * 1024));
    if (freeMb < minFreeMb) {
      return {
        ok: false,
        detail: `spool ${dir} has ${freeMb} MiB free, below QUIRE_SPOOL_MIN_FREE_MB=${minFreeMb}`,
      };
    }
    return { ok: true, detail: `${freeMb} MiB free` };
  } catch (err) {
    return { ok: false, detail: `spool ${dir} is not writable: ${describeError(err)}` };
  }
}
