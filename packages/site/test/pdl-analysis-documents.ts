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
  /** PostScript painting the page, in colour exactly when `color` is set (default: a blue or black box). */
  paint?: string;
}

export const A4: [number, number] = [595, 842];
export const A3: [number, number] = [842, 1191];
export const LETTER: [number, number] = [612, 792];

/** What a source asks for besides its pages. */
export interface SourceOptions {
  copies?: number;
  /** How the source asks for its copies: the page device's NumCopies (the default) or Level 1 `#copies`. */
  copiesVia?: 'NumCopies' | '#copies';
  duplex?: 'long-edge' | 'short-edge';
  /** The device resolution in dpi (gs's `-r`); the device's default when absent. */
  resolution?: number;
}

/** A PostScript program that prints `pages` as described. */
export function postScriptSource(pages: readonly SourcePage[], options: SourceOptions = {}): string {
  const device: string[] = [];
  const levelOneCopies = options.copiesVia === '#copies';
  if (options.copies && !levelOneCopies) device.push(`/NumCopies ${options.copies}`);
  if (options.duplex) device.push(`/Duplex true /Tumble ${options.duplex === 'short-edge'}`);
  const lines = ['%!PS'];
  if (device.length > 0) lines.push(`<< ${device.join(' ')} >> setpagedevice`);
  if (options.copies && levelOneCopies) lines.push(`/#copies ${options.copies} def`);
  let size = '';
  for (const page of pages) {
    const wanted = page.size.join(' ');
    if (wanted !== size) lines.push(`<< /PageSize [${wanted}] >> setpagedevice`);
    size = wanted;
    if (page.paint !== undefined) {
      lines.push(page.paint, 'showpage');
      continue;
    }
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
    [
      '-q',
      '-dBATCH',
      '-dNOPAUSE',
      '-dSAFER',
      `-sDEVICE=${device}`,
      ...(options.resolution ? [`-r${options.resolution}`] : []),
      `-sOutputFile=${output}`,
      source,
    ],
    { timeoutMs: 60_000 },
  );
  if (result.code !== 0) throw new Error(`gs -sDEVICE=${device} failed for ${name}: ${result.output}`);
  return output;
}
