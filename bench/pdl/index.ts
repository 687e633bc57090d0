/**
 * `npm run bench -- pdl`: Quire's page-description-language analysis against ghostscript, on the same files, in
 * one run. Per language, over a corpus of typical jobs: pages/s and MB/s of Quire's analysis (page count and
 * per-page colour, standard mode, in process) next to gs counting pages (`pdfpagecount` for PDF, the bbox device
 * for PostScript) and gs inkcov for colour; gs reads no PCL, so the PCL rows have no anchor. Then the peak RSS of
 * analysing a PCL-XL job of at least 1 GB in a process of its own. Goal (issue 4): at least 50× gs's pages/s for
 * counting.
 *
 * Options: --jobs N (20 per language), --warmup N (2 untimed Quire passes after the first, so the JIT has compiled
 * the analysers, as in a long-running analysis worker), --repeat N (3 timed Quire passes; the best is kept),
 * --big-mib N (1024). The first, cold pass is printed too. gs runs once per job, as a print server would run it
 * per job (its start-up is part of its cost).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyseFile } from '@quire/site/dist/src/pdl/analysis';
import { defaultToolkit } from '@quire/site/dist/src/pdl/analysis/analysers';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import { gsCountPdf, gsCountPostScript, gsInkcov, type GsTiming } from './anchors';
import { makeCorpus, type BenchDocument } from './corpus';

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** One pass of Quire's analysis over every document, in seconds; each count must be exact and complete. */
async function quirePass(documents: BenchDocument[]): Promise<number> {
  const started = process.hrtime.bigint();
  for (const document of documents) {
    const result = await analyseFile(document.path, {
      mode: 'standard',
      deadline: Date.now() + 600_000,
      toolkit: defaultToolkit,
    });
    const counted = result.pages * result.copies;
    if (counted !== document.pages || result.partial) {
      throw new Error(
        `${document.path}: Quire counted ${counted} pages (partial ${result.partial}), expected ${document.pages}`,
      );
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Quire's analysis of every document: the first pass (code not yet compiled by the JIT, as in a worker's first
 * jobs), then `warmup` more untimed passes, then the best of `repeat` timed passes (a long-running worker's
 * steady state, which the ratio to gs uses).
 */
async function quireSeconds(
  documents: BenchDocument[],
  warmup: number,
  repeat: number,
): Promise<{ first: number; best: number }> {
  const first = await quirePass(documents);
  for (let run = 0; run < warmup; run += 1) await quirePass(documents);
  let best = Infinity;
  for (let run = 0; run < repeat; run += 1) best = Math.min(best, await quirePass(documents));
  return { first, best };
}

/** One gs process per document, as a print server would run it per job; the page counts must match. */
async function gsSeconds(
  documents: BenchDocument[],
  measure: (file: string) => Promise<GsTiming>,
): Promise<number> {
  let seconds = 0;
  for (const document of documents) {
    const timing = await measure(document.path);
    if (timing.pages !== document.pages)
      throw new Error(`${document.path}: gs counted ${timing.pages}, expected ${document.pages}`);
    seconds += timing.seconds;
  }
  return seconds;
}

function rate(pages: number, seconds: number): string {
  return `${Math.round(pages / seconds).toLocaleString('en')} p/s`;
}

/** A PCL-XL file of at least `mib` MiB: the rendered job repeated (UEL-separated jobs, as a spool may hold). */
async function bigPclXl(source: string, target: string, mib: number): Promise<number> {
  const job = readFileSync(source);
  const copies = Math.ceil((mib * 1024 * 1024) / job.length);
  const out = await open(target, 'w');
  try {
    for (let i = 0; i < copies; i += 1) await out.write(job);
  } finally {
    await out.close();
  }
  return copies;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '3' },
      'big-mib': { type: 'string', default: '1024' },
    },
  });
  const count = Number(values.jobs);
  const warmup = Number(values.warmup);
  const repeat = Number(values.repeat);
  await ensureDebianPackages(['ghostscript']);
  const dir = mkdtempSync(path.join(tmpdir(), 'quire-bench-pdl-'));
  try {
    say(
      `pdl benchmark: ${count} jobs of 1–20 A4 pages (every third page in colour) per language; rendering with gs…`,
    );
    const corpus = await makeCorpus(dir, count);
    say(
      '\n| language | files | pages | MB | Quire count + colour | Quire first pass | gs count | count ratio | gs inkcov (colour) | colour ratio |',
    );
    say('|---|---|---|---|---|---|---|---|---|---|');
    for (const language of ['pdf', 'postscript', 'pcl-xl', 'pcl5'] as const) {
      const documents = corpus.filter((document) => document.language === language);
      const pages = documents.reduce((sum, document) => sum + document.pages, 0);
      const mb = documents.reduce((sum, document) => sum + statSync(document.path).size, 0) / 1e6;
      const quire = await quireSeconds(documents, warmup, repeat);
      const seconds = quire.best;
      const countGs = language === 'pdf' ? gsCountPdf : language === 'postscript' ? gsCountPostScript : null;
      const gsCount = countGs ? await gsSeconds(documents, countGs) : null;
      const gsInk = countGs ? await gsSeconds(documents, gsInkcov) : null;
      say(
        `| ${language} | ${documents.length} | ${pages} | ${mb.toFixed(1)} | ${rate(pages, seconds)}, ${(mb / seconds).toFixed(1)} MB/s | ` +
          `${rate(pages, quire.first)} | ` +
          `${gsCount ? rate(pages, gsCount) : 'n/a (gs reads no PCL)'} | ${gsCount ? `${(gsCount / seconds).toFixed(0)}×` : '–'} | ` +
          `${gsInk ? rate(pages, gsInk) : 'n/a'} | ${gsInk ? `${(gsInk / seconds).toFixed(0)}×` : '–'} |`,
      );
    }
    const pxl = corpus
      .filter((document) => document.language === 'pcl-xl')
      .sort((a, b) => b.pages - a.pages)[0];
    const pages = pxl.pages;
    const big = path.join(dir, 'big.pxl');
    const copies = await bigPclXl(pxl.path, big, Number(values['big-mib']));
    const child = await runCommand(process.execPath, [path.join(__dirname, 'rss-child.js'), big], {
      timeoutMs: 1_800_000,
    });
    if (child.code !== 0) throw new Error(`the big-job analysis failed: ${child.output}`);
    const figures = JSON.parse(child.output.trim().split('\n').pop() ?? '{}') as {
      pages: number;
      seconds: number;
      maxRssKb: number;
    };
    const bigMb = statSync(big).size / 1e6;
    say(
      `\nPCL-XL job of ${bigMb.toFixed(0)} MB (${copies} jobs of ${pages} pages): ${figures.pages} pages in ${figures.seconds.toFixed(1)} s ` +
        `(${(bigMb / figures.seconds).toFixed(0)} MB/s), peak RSS ${(figures.maxRssKb / 1024).toFixed(0)} MiB (expected ${copies * pages} pages)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench pdl failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
