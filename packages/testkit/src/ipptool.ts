/**
 * Running CUPS's ipptool conformance suites (`/usr/share/cups/ipptool/*.test`, from cups-ipp-utils) against a
 * server: a scratch copy of the suites with the documents they print (ipptool looks for FILE documents next to
 * the test file), the run itself, and a parse of its `-t` report into per-test outcomes.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand, type CommandResult } from './exec';

export const IPPTOOL_SUITES_DIR = '/usr/share/cups/ipptool';

/** One test line of ipptool's -t report, with the explanation lines under it. */
export interface IpptoolOutcome {
  name: string;
  result: 'PASS' | 'FAIL' | 'SKIP';
  details: string[];
}

/** Parse ipptool's `-t` report. */
export function parseIpptool(output: string): IpptoolOutcome[] {
  const outcomes: IpptoolOutcome[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s{4}(\S.*?)\s+\[(PASS|FAIL|SKIP)\]$/.exec(line);
    if (match) outcomes.push({ name: match[1], result: match[2] as IpptoolOutcome['result'], details: [] });
    else if (outcomes.length > 0 && line.startsWith('        '))
      outcomes[outcomes.length - 1].details.push(line.trim());
  }
  return outcomes;
}

/** The failed tests with ipptool's own explanations, for an assertion message. */
export function ipptoolFailureReport(outcomes: IpptoolOutcome[]): string {
  return outcomes
    .filter((o) => o.result === 'FAIL')
    .map((o) => `${o.name}\n    ${o.details.join('\n    ')}`)
    .join('\n');
}

/**
 * Copy `suites` into `dir` with the documents they print: `pdf` as doc.pdf and the A4/Letter PDFs, a small
 * PostScript page, and JPEG markers (a spooling server stores documents; it does not decode them).
 */
export async function prepareIpptoolSuites(dir: string, suites: string[], pdf: Buffer): Promise<void> {
  for (const suite of suites) {
    const source = path.isAbsolute(suite) ? suite : path.join(IPPTOOL_SUITES_DIR, suite);
    await copyFile(source, path.join(dir, path.basename(suite)));
  }
  for (const name of ['doc.pdf', 'document-a4.pdf', 'document-letter.pdf'])
    await writeFile(path.join(dir, name), pdf);
  const postscript =
    '%!PS-Adobe-3.0\n/Helvetica findfont 24 scalefont setfont 72 720 moveto (Quire) show showpage\n';
  for (const name of ['document-a4.ps', 'document-letter.ps'])
    await writeFile(path.join(dir, name), postscript);
  for (const name of ['color.jpg', 'gray.jpg'])
    await writeFile(path.join(dir, name), Buffer.from('ffd8ffd9', 'hex'));
}

/** Run ipptool with `args` (HOME in `dir`, bounded in time). */
export function runIpptool(dir: string, args: string[]): Promise<CommandResult> {
  return runCommand('ipptool', args, { timeoutMs: 150_000, env: { HOME: dir } });
}
