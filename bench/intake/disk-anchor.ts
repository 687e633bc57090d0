/**
 * The disk anchor: `dd if=/dev/zero of=FILE bs=1M count=N conv=fsync` into the same directory the site spools
 * to, timed from start to exit, so Quire's single-job MB/s is compared with the raw sequential write speed of the
 * same disk, fsync included (bench-anchors.md: 678 MB/s median, noisy on this VM).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '@quire/testkit';

/** MB/s (10^6 bytes) of writing `mib` MiB with dd and fsync into `dir`. */
export async function ddWriteMbPerSecond(dir: string, mib: number): Promise<number> {
  const file = path.join(dir, 'dd-anchor.bin');
  const started = process.hrtime.bigint();
  const result = await runCommand('dd', [
    'if=/dev/zero',
    `of=${file}`,
    'bs=1M',
    `count=${mib}`,
    'conv=fsync',
  ]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(file, { force: true });
  if (result.code !== 0) throw new Error(`dd failed: ${result.output}`);
  return (mib * 1024 * 1024) / 1e6 / seconds;
}
