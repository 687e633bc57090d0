/**
 * The ghostscript anchors, timed as whole processes on the same files (bench-anchors.md measured them the same
 * way): page counting with `pdfpagecount` for PDF and the bbox device for PostScript (gs has no other way to
 * count PostScript pages than interpreting them), and per-page colour with the inkcov device.
 */
import { runCommand } from '@quire/testkit';

export interface GsTiming {
  pages: number;
  seconds: number;
}

async function timed(args: string[]): Promise<{ output: string; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await runCommand('gs', args, { timeoutMs: 600_000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`gs ${args.join(' ')} failed: ${result.output.slice(-500)}`);
  return { output: result.output, seconds };
}

/** gs page count of a PDF (reads the page tree). */
export async function gsCountPdf(file: string): Promise<GsTiming> {
  const { output, seconds } = await timed([
    '-q',
    '-dNODISPLAY',
    '-dNOSAFER',
    '-c',
    `(${file}) (r) file runpdfbegin pdfpagecount = quit`,
  ]);
  return { pages: Number(output.trim().split('\n').pop()), seconds };
}

/** gs page count of a PostScript file (interprets every page to the bbox device). */
export async function gsCountPostScript(file: string): Promise<GsTiming> {
  const { output, seconds } = await timed(['-q', '-dBATCH', '-dNOPAUSE', '-sDEVICE=bbox', file]);
  return {
    pages: output.split('\n').filter((line) => line.startsWith('%%HiResBoundingBox')).length,
    seconds,
  };
}

/** gs per-page ink coverage (renders every page). */
export async function gsInkcov(file: string): Promise<GsTiming> {
  const { output, seconds } = await timed([
    '-q',
    '-dBATCH',
    '-dNOPAUSE',
    '-dSAFER',
    '-o',
    '-',
    '-sDEVICE=inkcov',
    file,
  ]);
  return { pages: output.split('\n').filter((line) => /CMYK OK/.test(line)).length, seconds };
}
