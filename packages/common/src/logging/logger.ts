/**
 * The winston logger: one JSON object per line on standard output, so any log shipper can read it.
 *
 * Child loggers carry context (`component`, `requestId`, `siteId`) on every line. Secrets never go in a log line;
 * callers log ids, not tokens.
 */
import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  /** Added to every line, e.g. `{ service: 'central' }`. */
  defaultMeta?: Record<string, unknown>;
  /** Mostly for tests: write to this stream instead of stdout. */
  stream?: NodeJS.WritableStream;
}

/** Create the process logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  // winston formats every line before its transport drops those below the level; dropping them first saves a
  // timestamp and a JSON serialisation per suppressed line (a busy site's per-job info lines, at level warn).
  const enabled = winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false));
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.defaultMeta,
    format: winston.format.combine(
      enabled(),
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [transport],
  });
  return logger;
}

/** A logger that drops everything, for unit tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}
