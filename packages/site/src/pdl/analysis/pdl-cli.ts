/**
 * `quire-site pdl analyze [--json] [--mode standard|enhanced] FILE...`: analyse print files the way the site
 * analyses jobs (same worker pool, same analysers, same time limit), without a configuration or a database.
 * With `--json`, one JSON object per file and line (the job analysis fields plus `file`), in argument order as
 * soon as each is known; otherwise a table. A file that cannot be read is reported on standard error, after the
 * others are printed, and the command exits 1.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { describeError } from '@quire/common';
import { AnalysisPool } from './analysis-pool';
import { type AnalysisMode, type JobAnalysis } from './job-analysis';

/** What `pdl analyze` was asked. */
export interface PdlAnalyzeOptions {
  json?: boolean;
  mode: AnalysisMode;
  timeLimitSeconds: number;
}

/** Where `pdl analyze` writes: standard output and error, and whether error is a terminal (progress). */
export interface PdlCliOutput {
  out(text: string): void;
  err(text: string): void;
  progress: boolean;
}

type FileOutcome = { file: string; analysis: JobAnalysis } | { file: string; error: string };

/** Fails for a path that is not a readable regular file, with the reason a person understands. */
async function checkFile(file: string): Promise<string | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? null : 'not a regular file';
  } catch (err) {
    return describeError(err);
  }
}

const paperText = (paper: Record<string, number>) =>
  Object.entries(paper)
    .map(([name, count]) => `${name}×${count}`)
    .join(' ') || '-';

/** One table row per analysed file; pages end in `+` when the analysis was partial (a floor). */
function tableRow(file: string, analysis: JobAnalysis): string[] {
  return [
    file,
    analysis.pdl,
    `${analysis.pages}${analysis.partial ? '+' : ''}`,
    String(analysis.copies),
    `${analysis.colorPages}/${analysis.monoPages}`,
    analysis.duplex,
    paperText(analysis.paper),
    analysis.warnings.join('; ') || '-',
  ];
}

/** Columns padded to their widest cell; the last one (warnings) is left ragged. */
export function formatTable(rows: string[][]): string {
  const header = ['FILE', 'PDL', 'PAGES', 'COPIES', 'COLOUR/MONO', 'DUPLEX', 'PAPER', 'WARNINGS'];
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  return all
    .map((row) =>
      row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '),
    )
    .join('\n');
}

/** Analyse `files` and print the results; resolves with the exit code (1 when a file could not be read). */
export async function runPdlAnalyze(
  files: string[],
  options: PdlAnalyzeOptions,
  output: PdlCliOutput,
): Promise<number> {
  const pool = new AnalysisPool({
    workers: Math.max(1, Math.min(availableParallelism(), files.length)),
    timeLimitMs: options.timeLimitSeconds * 1000,
    mode: options.mode,
  });
  const outcomes: Array<Promise<FileOutcome>> = files.map(async (file) => {
    const problem = await checkFile(file);
    if (problem) return { file, error: problem };
    return { file, analysis: await pool.analyse({ path: file, protocolCopies: 1, mode: options.mode }) };
  });
  const failures: string[] = [];
  const rows: string[][] = [];
  try {
    for (const [index, pending] of outcomes.entries()) {
      const outcome = await pending;
      if ('error' in outcome) failures.push(`${outcome.file}: ${outcome.error}`);
      else if (options.json) output.out(`${JSON.stringify({ file: outcome.file, ...outcome.analysis })}\n`);
      else rows.push(tableRow(outcome.file, outcome.analysis));
      if (output.progress && !options.json) output.err(`\ranalysed ${index + 1}/${files.length}`);
    }
  } finally {
    await pool.close();
  }
  if (output.progress && !options.json) output.err('\r\x1b[K');
  if (!options.json && rows.length > 0) output.out(`${formatTable(rows)}\n`);
  for (const failure of failures) output.err(`quire-site pdl analyze: ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new InvalidArgumentError('a whole number of seconds, 1 or more');
  return seconds;
}

/** Add `pdl analyze` to the site's command line. */
export function addPdlCommands(program: Command): void {
  program
    .command('pdl')
    .description('Page description language tools')
    .command('analyze')
    .description(
      'Analyse print files: language, pages, copies, colour, duplex and paper (no config or database)',
    )
    .argument(
      '<files...>',
      'print files (PCL, PCL XL, PostScript, PDF, PWG raster, URF, JPEG; with or without PJL)',
    )
    .option('--json', 'one JSON object per line and file instead of a table')
    .addOption(
      new Option(
        '--mode <mode>',
        "colour detection, as the site's analysis.mode: enhanced uses ghostscript ink coverage for PS and PDF",
      )
        .choices(['standard', 'enhanced'])
        .default('standard'),
    )
    .addOption(
      new Option('--time-limit <seconds>', 'time limit per file').argParser(positiveSeconds).default(60),
    )
    .action(async (files: string[], opts: { json?: boolean; mode: AnalysisMode; timeLimit: number }) => {
      process.exitCode = await runPdlAnalyze(
        files,
        { json: opts.json, mode: opts.mode, timeLimitSeconds: opts.timeLimit },
        {
          out: (text) => process.stdout.write(text),
          err: (text) => process.stderr.write(text),
          progress: process.stderr.isTTY === true,
        },
      );
    });
}
