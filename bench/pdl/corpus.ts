/**
 * The benchmark's documents, made with ghostscript during the run from PostScript sources we write: `count`
 * small jobs of 1–20 A4 pages (text and boxes, every third page painted in colour), each rendered to PDF,
 * PostScript, PCL-XL (colour) and PCL5 — like a day of typical print jobs, which are analysed one by one, and
 * like the 21-file corpus bench-anchors.md measured gs on.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '@quire/testkit';

export type BenchLanguage = 'pdf' | 'postscript' | 'pcl-xl' | 'pcl5';

export interface BenchDocument {
  language: BenchLanguage;
  path: string;
  pages: number;
}

const DEVICES: Array<{ language: BenchLanguage; device: string; extension: string; extra: string[] }> = [
  { language: 'pdf', device: 'pdfwrite', extension: 'pdf', extra: [] },
  { language: 'postscript', device: 'ps2write', extension: 'ps', extra: [] },
  { language: 'pcl-xl', device: 'pxlcolor', extension: 'pxl', extra: ['-r150'] },
  { language: 'pcl5', device: 'ljet4', extension: 'pcl', extra: ['-r150'] },
];

/** A PostScript job of `pages` A4 pages. */
export function sourceOf(pages: number): string {
  const lines = [
    '%!PS-Adobe-3.0',
    '<< /PageSize [595 842] >> setpagedevice',
    '/Helvetica findfont 11 scalefont setfont',
  ];
  for (let page = 1; page <= pages; page += 1) {
    lines.push(page % 3 === 0 ? '0.1 0.3 0.9 setrgbcolor' : '0 setgray');
    lines.push('60 600 200 150 rectfill', '0 setgray');
    for (let line = 0; line < 40; line += 1) {
      lines.push(`72 ${780 - line * 14} moveto (Page ${page} line ${line}: Quire benchmark text) show`);
    }
    lines.push('showpage');
  }
  return `${lines.join('\n')}\n`;
}

/** Render `input` with a gs device. */
export async function render(
  device: string,
  input: string,
  output: string,
  extra: string[] = [],
): Promise<void> {
  const result = await runCommand(
    'gs',
    [
      '-q',
      '-dBATCH',
      '-dNOPAUSE',
      '-dSAFER',
      `-sDEVICE=${device}`,
      ...extra,
      `-sOutputFile=${output}`,
      input,
    ],
    { timeoutMs: 600_000 },
  );
  if (result.code !== 0) throw new Error(`gs -sDEVICE=${device} failed: ${result.output}`);
}

/** Write `count` sources of 1–20 pages and render each into every language. */
export async function makeCorpus(dir: string, count: number): Promise<BenchDocument[]> {
  const documents: BenchDocument[] = [];
  for (let index = 0; index < count; index += 1) {
    const pages = 1 + ((index * 7) % 20);
    const source = path.join(dir, `job${index}-source.ps`);
    writeFileSync(source, sourceOf(pages));
    for (const { language, device, extension, extra } of DEVICES) {
      const output = path.join(dir, `job${index}.${extension}`);
      await render(device, source, output, extra);
      documents.push({ language, path: output, pages });
    }
  }
  return documents;
}
