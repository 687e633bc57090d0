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
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.defaultMeta,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [transport],
  });
}

/** A logger that drops everything, for unit tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}
