/**
 * Print documents for the job analysis tests, made with ghostscript from PostScript sources written here, so
 * the ground truth (pages, which are in colour, paper, duplex, copies) is what the source says.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '@quire/testkit';

/** One page of a source: painted in colour or in black, on a paper size in points. */
export interface SourcePage {
  color: boolean;
  size: [number, number];
}

export const A4: [number, number] = [595, 842];
export const A3: [number, number] = [842, 1191];
export const LETTER: [number, number] = [612, 792];

/** What a source asks for besides its pages. */
export interface SourceOptions {
  copies?: number;
  duplex?: 'long-edge' | 'short-edge';
}

/** A PostScript program that prints `pages` as described. */
export function postScriptSource(pages: readonly SourcePage[], options: SourceOptions = {}): string {
  const device: string[] = [];
  if (options.copies) device.push(`/NumCopies ${options.copies}`);
  if (options.duplex) device.push(`/Duplex true /Tumble ${options.duplex === 'short-edge'}`);
  const lines = ['%!PS'];
  if (device.length > 0) lines.push(`<< ${device.join(' ')} >> setpagedevice`);
  let size = '';
  for (const page of pages) {
    const wanted = page.size.join(' ');
    if (wanted !== size) lines.push(`<< /PageSize [${wanted}] >> setpagedevice`);
    size = wanted;
    lines.push(page.color ? '0 0 1 setrgbcolor' : '0 setgray');
    lines.push('72 72 144 144 rectfill showpage');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Render `pages` with the gs device `device` (pxlcolor, pxlmono, pdfwrite, ljet4, ps2write) into `dir`, and
 * return the output's path. Throws with gs's output when gs fails.
 */
export async function renderWithGs(
  dir: string,
  name: string,
  device: string,
  pages: readonly SourcePage[],
  options: SourceOptions = {},
): Promise<string> {
  const source = path.join(dir, `${name}.ps`);
  const output = path.join(dir, `${name}.${device}`);
  await writeFile(source, postScriptSource(pages, options));
  const result = await runCommand(
    'gs',
    ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', `-sDEVICE=${device}`, `-sOutputFile=${output}`, source],
    { timeoutMs: 60_000 },
  );
  if (result.code !== 0) throw new Error(`gs -sDEVICE=${device} failed for ${name}: ${result.output}`);
  return output;
}
