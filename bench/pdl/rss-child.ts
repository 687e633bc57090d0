/**
 * Run in its own process by the PDL benchmark: analyse one file (standard mode) and print the result's page count
 * and this process's peak RSS, so the figure is the analyser's alone.
 */
import { analyseFile } from '@quire/site/dist/src/pdl/analysis';
import { defaultToolkit } from '@quire/site/dist/src/pdl/analysis/analysers';

async function main(): Promise<void> {
  const file = process.argv[2];
  const started = process.hrtime.bigint();
  const result = await analyseFile(file, {
    mode: 'standard',
    deadline: Date.now() + 3_600_000,
    toolkit: defaultToolkit,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ pages: result.pages * result.copies, partial: result.partial, seconds, maxRssKb: process.resourceUsage().maxRSS })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
