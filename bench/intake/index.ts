/**
 * `npm run bench -- intake`: Quire's site intake against cupsd and dd, in one run on this machine.
 *
 * 1. IPP Print-Job jobs/s: ~111 KB PDFs, 32 keep-alive connections, one request in flight each, for a fixed
 *    window; Quire's pull queue `Default` against a cupsd raw queue whose jobs are held indefinitely. Both keep
 *    every job (held for release), so both write every document durably.
 * 2. Get-Printer-Attributes requests/s (`all`, `media-col-database`), 32 keep-alive connections.
 * 3. MB/s for one 1 GiB job streamed to Quire, against `dd conv=fsync` into the same spool directory.
 *
 * Options: --pj-seconds N (20), --gpa-seconds N (15), --connections N (32), --big-mib N (1024).
 * Goals (issue 3): Quire ≥ cupsd for 1 and 2; Quire ≥ 70% of dd for 3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CUPSD_BENCH_CONFIG, startCupsd, stopAllTracked, type Cupsd } from '@quire/testkit';
import { bigJobMbPerSecond } from './big-job';
import { ddWriteMbPerSecond } from './disk-anchor';
import { makePdf } from './documents';
import { runIppLoad, type LoadResult } from './ipp-load';
import { getPrinterAttributesRequest, printJobRequest } from './requests';
import { startBenchSite } from './site';

function options() {
  const { values } = parseArgs({
    options: {
      'pj-seconds': { type: 'string', default: '20' },
      'gpa-seconds': { type: 'string', default: '15' },
      connections: { type: 'string', default: '32' },
      'big-mib': { type: 'string', default: '1024' },
    },
  });
  return {
    pjSeconds: Number(values['pj-seconds']),
    gpaSeconds: Number(values['gpa-seconds']),
    connections: Number(values.connections),
    bigMib: Number(values['big-mib']),
  };
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function describe(result: LoadResult): string {
  const failures = result.failed ? `, ${result.failed} failed (first: ${result.firstFailure})` : '';
  return `${result.perSecond.toFixed(0)}/s (${result.ok} in ${result.seconds.toFixed(1)} s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms${failures})`;
}

function row(metric: string, quire: number, anchor: number, unit: string, goal: number) {
  const ratio = quire / anchor;
  const verdict = ratio >= goal ? 'meets' : 'misses';
  say(
    `| ${metric} | ${quire.toFixed(0)} ${unit} | ${anchor.toFixed(0)} ${unit} | ${ratio.toFixed(2)} | ${verdict} goal ≥ ${goal} |`,
  );
}

/** cupsd with a raw queue `held` whose jobs are held indefinitely: the CUPS equivalent of a pull queue. */
async function startHeldCupsQueue(): Promise<Cupsd & { queueUri: string }> {
  const cupsd = await startCupsd({ extraConfig: CUPSD_BENCH_CONFIG });
  const added = await cupsd.run('lpadmin', [
    '-p',
    'held',
    '-E',
    '-v',
    'file:/dev/null',
    '-m',
    'raw',
    '-o',
    'job-hold-until-default=indefinite',
  ]);
  if (added.code !== 0) {
    await cupsd.stop();
    throw new Error(`lpadmin could not add the held queue: ${added.output}`);
  }
  return { ...cupsd, queueUri: `ipp://${cupsd.server}/printers/held` };
}

async function main(): Promise<void> {
  const opts = options();
  const scratch = mkdtempSync(path.join(tmpdir(), 'quire-bench-intake-'));
  const pdf = makePdf(111_414);
  say(`intake benchmark: ${pdf.length}-byte PDF, ${opts.connections} connections, scratch ${scratch}`);
  try {
    const site = await startBenchSite(scratch);
    const siteUri = site.ippUrl.replace(/^http:/, 'ipp:');
    const cupsd = await startHeldCupsQueue();
    const cupsUrl = cupsd.queueUri.replace(/^ipp:/, 'http:');

    say(`Print-Job, ${opts.pjSeconds} s each…`);
    const quirePj = await runIppLoad({
      url: site.ippUrl,
      connections: opts.connections,
      seconds: opts.pjSeconds,
      body: () => printJobRequest(siteUri, pdf),
    });
    say(`  quire  ${describe(quirePj)}`);
    const drainStarted = Date.now();
    await site.waitForAnalysis();
    say(
      `  (the site finished analysing its backlog ${((Date.now() - drainStarted) / 1000).toFixed(1)} s later)`,
    );
    const cupsPj = await runIppLoad({
      url: cupsUrl,
      connections: opts.connections,
      seconds: opts.pjSeconds,
      body: () => printJobRequest(cupsd.queueUri, pdf, { holdIndefinitely: true }),
    });
    say(`  cupsd  ${describe(cupsPj)}`);

    say(`Get-Printer-Attributes, ${opts.gpaSeconds} s each…`);
    const quireGpa = await runIppLoad({
      url: site.ippUrl,
      connections: opts.connections,
      seconds: opts.gpaSeconds,
      body: () => getPrinterAttributesRequest(siteUri),
    });
    say(`  quire  ${describe(quireGpa)}`);
    const cupsGpa = await runIppLoad({
      url: cupsUrl,
      connections: opts.connections,
      seconds: opts.gpaSeconds,
      body: () => getPrinterAttributesRequest(cupsd.queueUri),
    });
    say(`  cupsd  ${describe(cupsGpa)}`);
    await cupsd.stop();

    say(`One ${opts.bigMib} MiB job, and dd conv=fsync of the same size into the spool directory…`);
    const quireMbs = await bigJobMbPerSecond(site.ippUrl, opts.bigMib);
    await site.waitForAnalysis();
    const ddMbs = await ddWriteMbPerSecond(site.spoolDir, opts.bigMib);
    say(`  quire  ${quireMbs.toFixed(0)} MB/s\n  dd     ${ddMbs.toFixed(0)} MB/s`);
    await site.process.stop();

    say('\n| metric | Quire | anchor | ratio | goal |\n|---|---|---|---|---|');
    row(
      'IPP Print-Job, 111 KB PDF, 32 conns (anchor cupsd, held)',
      quirePj.perSecond,
      cupsPj.perSecond,
      'jobs/s',
      1,
    );
    row('Get-Printer-Attributes, 32 conns (anchor cupsd)', quireGpa.perSecond, cupsGpa.perSecond, 'req/s', 1);
    row(`one ${opts.bigMib} MiB job (anchor dd conv=fsync)`, quireMbs, ddMbs, 'MB/s', 0.7);
  } finally {
    await stopAllTracked();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench intake failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
