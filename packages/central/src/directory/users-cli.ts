/**
 * `quire-central users sync --source NAME [--dry-run]`: run one directory source's sync from the command line,
 * against the database central uses, with a progress bar while the source is read when standard error is a
 * terminal, and the run's report at the end. Exit code 0 when it applied (or would apply), 1 when it failed.
 */
import { SingleBar } from 'cli-progress';
import { type Command } from 'commander';
import {
  commonEntities,
  commonMigrations,
  openDatabase,
  printToTerminal,
  runCommand,
  type CommandContext,
} from '@quire/common';
import { type SyncReport } from './directory-sync.service';

/** Builds the directory's services on an open database (server.ts's `buildDirectory`, passed in to keep layers apart). */
export type DirectoryBuilder = (
  ctx: CommandContext,
  dataSource: Awaited<ReturnType<typeof openDatabase>>['dataSource'],
) => Promise<{
  sources: {
    sync(name: string, options: { dryRun: boolean; onProgress?: (n: number) => void }): Promise<SyncReport>;
  };
}>;

/** Add `users sync` to the program. */
export function addUsersCommands(
  program: Command,
  deps: { entities: unknown[]; migrations: unknown[]; build: DirectoryBuilder },
): void {
  program
    .command('users')
    .description('Directory users')
    .command('sync')
    .description('Sync the users of one directory source now (LDAP), or show what a sync would change')
    .requiredOption('--source <name>', 'the source to sync')
    .option('--dry-run', 'report what would change, and change nothing')
    .option('--config <file>', 'YAML or JSON configuration file')
    .action((opts: { source: string; dryRun?: boolean; config?: string }) =>
      runCommand('central', opts.config, async (ctx) => {
        const { dataSource } = await openDatabase({
          url: ctx.config.db.url,
          poolSize: ctx.config.db.poolSize,
          entities: [...commonEntities, ...(deps.entities as never[])],
          migrations: [...commonMigrations, ...(deps.migrations as never[])],
        });
        try {
          const directory = await deps.build(ctx, dataSource);
          const bar = process.stderr.isTTY
            ? new SingleBar({ format: 'reading {value} entries', stream: process.stderr })
            : null;
          bar?.start(0, 0);
          const report = await directory.sources
            .sync(opts.source, { dryRun: opts.dryRun === true, onProgress: (n) => bar?.update(n) })
            .finally(() => bar?.stop());
          printToTerminal(describeReport(report));
          return report.status === 'failed' ? 1 : 0;
        } finally {
          await dataSource.destroy();
        }
      }),
    );
}

/** The report as a person reads it. */
export function describeReport(report: SyncReport): string {
  const c = report.counts;
  const lines = [
    `${report.dryRun ? 'Dry run of' : 'Sync of'} ${report.source}: ${report.status} in ${report.durationMs} ms`,
    `  added ${c.added}, updated ${c.updated}, disabled ${c.disabled}, unchanged ${c.unchanged}, conflicts ${c.conflicts}, skipped ${c.skipped}`,
  ];
  if (report.error) lines.push(`  error: ${report.error}`);
  for (const [what, names] of Object.entries(report.samples)) {
    if (names.length > 0) lines.push(`  ${what}: ${names.join(', ')}${names.length === 10 ? ', ...' : ''}`);
  }
  for (const problem of [...report.conflicts, ...report.problems].slice(0, 20)) {
    lines.push(`  ${problem.origin}: ${problem.message}`);
  }
  return lines.join('\n');
}
