/**
 * `quire-site printers discover --range R [--range R2] [--exclude X] [--profile NAME|ID] [--timeout MS]
 * [--dry-run] [--json] [--config FILE]`: run a discovery from the command line, in-process against the site's
 * database (as `quire-central users sync` does), with a progress bar on standard error when it is a terminal,
 * then a table of what was found (or the report as JSON) on standard output. Audit rows name the operating
 * system user as `cli:NAME`. Exit code 0 when the discovery ran, 1 when it could not (bad range, unknown
 * profile), 2 for a bad configuration.
 */
import { userInfo } from 'node:os';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createLogger,
  ErrorCode,
  openDatabase,
  printToTerminal,
  QuireError,
  runCommand,
  type CommandContext,
} from '@quire/common';
import { type DiscoveredPrinter } from './discovery-applier';
import { type DiscoveryProgress } from './discovery-prober';
import { countOutcomes, type DiscoveryReport } from './discovery-runs';
import { type DiscoveryService } from './discovery.service';

/** What the discover command needs, built on the open site database by the caller (cli.ts). */
export interface DiscoveryCliServices {
  discovery: DiscoveryService;
  /** The SNMP profiles, to find `--profile` by name or id. */
  snmpProfiles: { list(): Promise<Array<{ id: string; name: string }>> };
}

/** Dependencies of the printers commands: the site's entities and migrations, and how to build the services. */
export interface PrintersCliDeps {
  entities: unknown[];
  migrations: unknown[];
  build(ctx: CommandContext, dataSource: DataSource): Promise<DiscoveryCliServices>;
}

/** The options of `printers discover` as commander parses them. */
interface DiscoverOptions {
  range: string[];
  exclude: string[];
  profile?: string;
  timeout?: number;
  dryRun?: boolean;
  json?: boolean;
  config?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function milliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100 || ms > 30_000) {
    throw new InvalidArgumentError('a whole number of milliseconds from 100 to 30000');
  }
  return ms;
}

/** The id of the profile `ref` names (by id, or by name in any case); SNMP_PROFILE_NOT_FOUND otherwise. */
export async function resolveProfile(
  profiles: DiscoveryCliServices['snmpProfiles'],
  ref: string,
): Promise<string> {
  const all = await profiles.list();
  const profile =
    all.find((p) => p.id === ref) ?? all.find((p) => p.name.toLowerCase() === ref.toLowerCase());
  if (profile) return profile.id;
  throw new QuireError(
    ErrorCode.SnmpProfileNotFound,
    `No SNMP profile named or with id "${ref}"; the profiles are: ${all.map((p) => p.name).join(', ') || '(none)'}`,
  );
}

/** Columns padded to their widest cell. */
function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function deviceRow(device: DiscoveredPrinter): string[] {
  const colour = device.colorCapable === null ? '-' : device.colorCapable ? 'colour' : 'mono';
  return [
    device.address,
    device.outcome,
    device.name ?? '-',
    device.model || '-',
    device.serial ?? '-',
    device.mac ?? '-',
    colour,
    device.reason ?? '',
  ];
}

/** The report as a person reads it: one line per device found, then the totals. */
export function describeDiscoveryReport(report: DiscoveryReport): string {
  const counts = countOutcomes(report.found);
  const lines: string[] = [];
  if (report.found.length > 0) {
    const header = ['ADDRESS', 'OUTCOME', 'NAME', 'MODEL', 'SERIAL', 'MAC', 'COLOUR', 'NOTE'];
    lines.push(formatTable([header, ...report.found.map(deviceRow)]));
  }
  lines.push(
    `${report.dryRun ? 'Dry run: ' : ''}probed ${report.scanned} addresses in ${(report.durationMs / 1000).toFixed(1)} s, ` +
      `found ${report.found.length}: ${counts.added} ${report.dryRun ? 'to add' : 'added'}, ` +
      `${counts.updated} ${report.dryRun ? 'to update' : 'updated'}, ${counts.unchanged} unchanged, ${counts.skipped} skipped`,
  );
  return lines.join('\n');
}

/** A bar on standard error, started at the first progress report (when the number of addresses is known). */
function progressBar() {
  const bar = new SingleBar({
    format: 'probing [{bar}] {value}/{total} addresses, {found} found',
    stream: process.stderr,
  });
  let started = false;
  return {
    show(progress: DiscoveryProgress): void {
      if (!started) bar.start(progress.total, progress.done, { found: progress.found });
      else bar.update(progress.done, { found: progress.found });
      started = true;
    },
    stop(): void {
      if (started) bar.stop();
    },
  };
}

/** Who the audit rows of a command-line run name. */
function cliActor(): { actorName: string } {
  try {
    return { actorName: `cli:${userInfo().username}` };
  } catch {
    return { actorName: 'cli' };
  }
}

async function discover(ctx: CommandContext, deps: PrintersCliDeps, opts: DiscoverOptions): Promise<number> {
  const { dataSource } = await openDatabase({
    url: ctx.config.db.url,
    poolSize: ctx.config.db.poolSize,
    entities: [...commonEntities, ...(deps.entities as never[])],
    migrations: [...commonMigrations, ...(deps.migrations as never[])],
  });
  try {
    // Standard output carries the table or the JSON, so log lines go to standard error; on a terminal the
    // progress bar and the table say what the info lines would, and those would break the bar.
    const logger = createLogger({
      level: process.stderr.isTTY ? 'warn' : ctx.config.log.level,
      defaultMeta: { service: 'quire-site' },
      stream: process.stderr,
    });
    const services = await deps.build({ ...ctx, logger }, dataSource);
    const snmpProfileId = opts.profile ? await resolveProfile(services.snmpProfiles, opts.profile) : null;
    const bar = process.stderr.isTTY ? progressBar() : null;
    const report = await services.discovery
      .run(
        {
          ranges: opts.range,
          exclude: opts.exclude,
          snmpProfileId,
          timeoutMs: opts.timeout,
          dryRun: opts.dryRun === true,
        },
        { actor: cliActor(), onProgress: (p) => bar?.show(p) },
      )
      .finally(() => bar?.stop());
    if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${describeDiscoveryReport(report)}\n`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

/** Add `printers discover` to the site's program (under an existing `printers` command when there is one). */
export function addPrintersCommands(program: Command, deps: PrintersCliDeps): void {
  const printers =
    program.commands.find((command) => command.name() === 'printers') ??
    program.command('printers').description('Printers: discovery and the printer registry');
  printers
    .command('discover')
    .description(
      'Find printers over SNMP in address ranges and add them (or, with --dry-run, only list them)',
    )
    .requiredOption(
      '--range <range>',
      'addresses: 10.0.0.5, 10.0.0.0/24, 10.0.0.2-10.0.0.40 or 10.0.0.2-40 (repeatable)',
      collect,
      [],
    )
    .option('--exclude <range>', 'addresses to leave out, in the same forms (repeatable)', collect, [])
    .option('--profile <name|id>', 'the SNMP profile to probe with (default: the default profile)')
    .option(
      '--timeout <ms>',
      "how long to wait for each device, instead of the profile's timeout",
      milliseconds,
    )
    .option('--dry-run', 'list what would be added or changed, and change nothing')
    .option('--json', 'print the report as JSON instead of a table')
    .option('--config <file>', 'YAML or JSON configuration file')
    .action((opts: DiscoverOptions) =>
      runCommand('site', opts.config, async (ctx) => {
        if (opts.range.length === 0) {
          printToTerminal('quire-site printers discover: give at least one --range');
          return 1;
        }
        return discover(ctx, deps, opts);
      }),
    );
}
