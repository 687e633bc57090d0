/**
 * The command line both servers share: `serve [--config FILE]` and `db migrate [--config FILE]`, built with
 * commander. Each server passes its role, version and the two entry points, and may add its own commands
 * (the site's `pdl analyze`).
 */
import { Command } from 'commander';
import { type Role } from '../config';
import { installShutdownHandlers } from '../lifecycle';
import { printToTerminal, runCommand, type CommandContext } from './run-command';

export interface ServerCliOptions {
  role: Role;
  version: string;
  description: string;
  /** Start the server; resolves once it is listening. */
  start(ctx: CommandContext & { printOnce: (text: string) => void }): Promise<{ stop(): Promise<void> }>;
  /** Apply pending migrations; resolves with the names of those applied. */
  migrate(ctx: CommandContext): Promise<string[]>;
  /** Add the server's own commands to the program. */
  extraCommands?(program: Command): void;
}

const configHelp = 'YAML or JSON configuration file (QUIRE_* environment variables win over it)';

/** Build the `quire-<role>` program. Exit codes: 0 done, 1 failure, 2 invalid configuration. */
export function buildServerCli(options: ServerCliOptions): Command {
  const program = new Command(`quire-${options.role}`)
    .description(options.description)
    .version(options.version);

  program
    .command('serve')
    .description(`Run the ${options.role} server until SIGINT/SIGTERM`)
    .option('--config <file>', configHelp)
    .action((opts: { config?: string }) =>
      runCommand(options.role, opts.config, async (ctx) => {
        const server = await options.start({ ...ctx, printOnce: printToTerminal });
        installShutdownHandlers(ctx.logger, () => server.stop());
      }),
    );

  program
    .command('db')
    .description('Database maintenance')
    .command('migrate')
    .description('Apply pending migrations and exit')
    .option('--config <file>', configHelp)
    .action((opts: { config?: string }) =>
      runCommand(options.role, opts.config, async (ctx) => {
        const applied = await options.migrate(ctx);
        ctx.logger.info('migrations applied', { applied });
        printToTerminal(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
        return 0;
      }),
    );
  options.extraCommands?.(program);
  return program;
}
