/**
 * The shared outer shell of the `quire-central` and `quire-site` commands: load and validate the configuration,
 * create the logger, run the command, and map failures to exit codes an init system or a script can act on:
 * 2 for bad configuration (fix the config, do not restart in a loop), 1 for anything else.
 */
import { loadConfig, ConfigError, type QuireConfig, type Role } from '../config';
import { createLogger, type Logger } from '../logging/logger';
import { describeError } from '../errors';

export const EXIT_CONFIG_INVALID = 2;
export const EXIT_FAILURE = 1;

export interface CommandContext {
  config: QuireConfig;
  logger: Logger;
}

/** Write a line to standard error, for messages meant for the person at the terminal rather than the log. */
export function printToTerminal(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * Load the configuration for `role` and run `command`. A ConfigError is printed (one line per problem) and
 * exits 2; any other error is logged and exits 1. A command that resolves leaves the process running (a server
 * keeps its handles open) unless it returns an exit code.
 */
export async function runCommand(
  role: Role,
  configFile: string | undefined,
  command: (ctx: CommandContext) => Promise<number | void>,
): Promise<void> {
  let config: QuireConfig;
  try {
    config = loadConfig({ role, configFile });
  } catch (err) {
    if (err instanceof ConfigError) {
      printToTerminal(`quire-${role}: ${err.message}`);
      process.exit(EXIT_CONFIG_INVALID);
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level, defaultMeta: { service: `quire-${role}` } });
  try {
    const code = await command({ config, logger });
    if (typeof code === 'number') process.exit(code);
  } catch (err) {
    logger.error('command failed', {
      error: describeError(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    printToTerminal(`quire-${role}: ${describeError(err)}`);
    process.exit(EXIT_FAILURE);
  }
}
