/**
 * Enhanced mode: per-page colour of a PostScript or PDF job measured by ghostscript's `inkcov` device, which
 * renders every page (at 72 dpi) and reports, per CMYK ink, the fraction of the page's pixels that carry it.
 *
 * Three things make its figures usable for accounting:
 * - Greys must render with black ink only. Ghostscript's default (ICC) conversion prints an RGB grey with some
 *   C, M and Y, so a grey page would look colour. `-dUseFastColor` with identity black generation and
 *   undercolour removal makes every neutral (DeviceGray, equal RGB, K-only CMYK) exactly C = M = Y = 0.
 * - One line must be one page of one copy: NumCopies and `#copies` make ghostscript emit a page per copy, so the
 *   job runs behind a prologue that neutralises both (copies are reported by the analysers, not measured here).
 * - The figures go to a file in a private temporary directory, not to stdout, where whatever a job prints would
 *   mix with them. (`-dSAFER` still lets a job write the device's output file, see the last paragraph.)
 *
 * The threshold: with the conversion above grey pages measure exactly 0, so the default only has to sit below
 * the smallest coverage `inkcov` reports (0.00001, five decimals: a 2 pt coloured dot measures 0.00001–0.00002,
 * one 10 pt coloured character 0.00002, a coloured 10 pt word 0.00007). Any colour at all makes the page colour,
 * as a printer's colour counter would. Raise it to forgive small coloured marks (0.001 = 0.1 % of the page).
 *
 * Ghostscript runs with a process timeout: at the deadline it is killed by its PID and the pages measured so far
 * are returned, marked partial. As a safety net for when this process dies first (a worker terminated at its own
 * time limit), ghostscript is started through `sh -c 'ulimit -t N; exec gs ...'`: `exec` keeps its PID, and the
 * kernel ends it once it has used the CPU seconds left until the deadline, so no ghostscript outlives its job.
 *
 * A job can tell it runs in ghostscript (`product`) and paint differently there, or write the output file named
 * in its page device, so enhanced mode measures what ghostscript renders: an aid for honest documents, not proof
 * against a hostile one (extra lines show as a page-count mismatch, which the job analysis rejects).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Ink coverage of one page, as fractions of the page area, and whether it counts as colour. */
export interface InkPage {
  c: number;
  m: number;
  y: number;
  k: number;
  color: boolean;
}

export interface InkCoverageOptions {
  /** Kill ghostscript when this instant (`Date.now()` milliseconds) passes. */
  deadline: number;
  /** A page is colour when its C, M or Y coverage exceeds this fraction of the page. */
  threshold?: number;
  /** The ghostscript executable (default `gs` on the PATH). */
  gsPath?: string;
}

export interface InkCoverage {
  /** False when ghostscript could not be run at all: standard mode applies. */
  available: boolean;
  pages: InkPage[];
  warning?: string;
  /** True when ghostscript stopped early (deadline, error): pages past the last one listed are unmeasured. */
  partial?: boolean;
}

/** Below the smallest non-zero coverage inkcov prints; see the file comment. */
export const DEFAULT_INK_THRESHOLD = 0.000005;

const PROLOGUE = [
  '/setpagedevice { dup /NumCopies known { dup length dict copy dup /NumCopies undef } if',
  'systemdict /setpagedevice get exec } bind def',
  '/showpage { /#copies where { /#copies 1 put } if systemdict /showpage get exec } bind def',
  '{} setblackgeneration {} setundercolorremoval',
].join(' ');

// `exec` replaces the shell, so the PID spawn reports is ghostscript's; "$0" is the gs path, "$@" its arguments.
const LIMITED_EXEC = 'ulimit -t "$1" && shift && exec "$0" "$@"';
// sh's exit statuses when the command cannot be found or run.
const NOT_FOUND = 127;
const NOT_EXECUTABLE = 126;

const LINE = /^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+CMYK OK\s*$/;
const MAX_STDERR_CHARS = 4096;

/** Parses inkcov's output, one `C M Y K CMYK OK` line per page. */
export function parseInkcov(text: string, threshold: number): InkPage[] {
  const pages: InkPage[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [c, m, y, k] = match.slice(1, 5).map(Number);
    pages.push({ c, m, y, k, color: Math.max(c, m, y) > threshold });
  }
  return pages;
}

interface GsRun {
  code: number | null;
  timedOut: boolean;
  missing: boolean;
  stderr: string;
}

function runGs(gsPath: string, args: string[], deadline: number): Promise<GsRun> {
  const cpuSeconds = String(Math.max(1, Math.ceil((deadline - Date.now()) / 1000) + 1));
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', LIMITED_EXEC, gsPath, cpuSeconds, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      Math.max(0, deadline - Date.now()),
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += text.slice(0, MAX_STDERR_CHARS - stderr.length);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        code: null,
        timedOut,
        missing: err.code === 'ENOENT' || err.code === 'EACCES',
        stderr: err.message,
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, missing: code === NOT_FOUND || code === NOT_EXECUTABLE, stderr });
    });
  });
}

/** The first line of ghostscript's complaint, for a warning. */
function firstProblem(stderr: string): string {
  const line = stderr.split('\n').find((text) => text.trim().length > 0) ?? 'no message';
  return line.trim().slice(0, 200);
}

/**
 * Measures the ink coverage of every page of the PostScript or PDF job at `file` with ghostscript's inkcov
 * device. Returns `available: false` with a warning when ghostscript is not installed; never throws for a bad job
 * (ghostscript's error becomes a warning, the pages measured before it are kept).
 */
export async function inkCoverage(file: string, options: InkCoverageOptions): Promise<InkCoverage> {
  const threshold = options.threshold ?? DEFAULT_INK_THRESHOLD;
  const gsPath = options.gsPath ?? 'gs';
  if (Date.now() >= options.deadline) {
    return {
      available: true,
      pages: [],
      partial: true,
      warning: 'no time left to run ghostscript; colour not measured',
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'quire-inkcov-'));
  try {
    const output = path.join(dir, 'inkcov.txt');
    const args = ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', '-dUseFastColor=true', '-r72', '-sDEVICE=inkcov'];
    args.push(`-sOutputFile=${output}`, '-c', PROLOGUE, '-f', path.resolve(file));
    const run = await runGs(gsPath, args, options.deadline);
    if (run.missing) {
      return {
        available: false,
        pages: [],
        warning: `ghostscript (${gsPath}) is not available, so enhanced colour detection is off: standard mode applies`,
      };
    }
    const pages = parseInkcov(await readFile(output, 'latin1').catch(() => ''), threshold);
    if (run.timedOut) {
      return {
        available: true,
        pages,
        partial: true,
        warning: `ghostscript stopped at the time limit after ${pages.length} pages`,
      };
    }
    if (run.code !== 0) {
      const warning = `ghostscript failed after ${pages.length} pages (exit ${run.code}): ${firstProblem(run.stderr)}`;
      return { available: true, pages, partial: true, warning };
    }
    return { available: true, pages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
