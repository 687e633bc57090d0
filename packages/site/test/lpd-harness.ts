/**
 * Test harness for the LPD listener: a listener on a free loopback port in front of the in-memory JobIntake,
 * with its log lines captured and a private spool-ahead directory, plus small polling helpers.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@quire/common';
import { LpdListener, type LpdListenerOptions } from '../src/intake/lpd';
import { InMemoryJobIntake } from './lpd-intake-double';

/** A running listener and what the tests look at. */
export interface LpdHarness {
  intake: InMemoryJobIntake;
  listener: LpdListener;
  port: number;
  spoolAheadDir: string;
  logLines: string[];
  /** Files left in the spool-ahead directory (it must be empty between jobs). */
  leftoverFiles(): Promise<string[]>;
  stop(): Promise<void>;
}

/** A logger whose JSON lines land in `lines`. */
export function capturingLogger(lines: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return createLogger({ level: 'debug', stream });
}

/** Start a listener with test defaults (5 s timeout, 1 MiB data file limit unless overridden). */
export async function startLpdHarness(overrides: Partial<LpdListenerOptions> = {}): Promise<LpdHarness> {
  const intake = new InMemoryJobIntake();
  const logLines: string[] = [];
  const root = await mkdtemp(path.join(os.tmpdir(), 'quire-lpd-test-'));
  const spoolAheadDir = overrides.spoolAheadDir ?? path.join(root, 'lpd-tmp');
  const listener = new LpdListener({
    intake,
    logger: capturingLogger(logLines),
    host: '127.0.0.1',
    port: 0,
    timeoutSeconds: 5,
    maxDataFileBytes: 1024 * 1024,
    ...overrides,
    spoolAheadDir,
  });
  const port = await listener.start();
  return {
    intake,
    listener,
    port,
    spoolAheadDir,
    logLines,
    leftoverFiles: () => readdir(spoolAheadDir).catch(() => []),
    stop: async () => {
      await listener.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Poll `condition` until it holds; fail with `what` after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Log lines (parsed) whose message contains `text`. */
export function logsMatching(lines: readonly string[], text: string): Array<Record<string, unknown>> {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => String(entry.message).includes(text));
}
