/**
 * Line-buffered capture of a child process's stdout and stderr: the recent tail stays in memory for
 * assertions and error messages, and every line is also appended to a log file for post-mortem diagnosis.
 *
 * The log is written synchronously, chunk by chunk, because test runs end with `mocha --exit`: buffered
 * asynchronous writes would be lost exactly when a failing run needs them most.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Which stream a captured line came from. */
export type StreamName = 'stdout' | 'stderr';

/** One complete line of output (without its newline). */
export interface CapturedLine {
  stream: StreamName;
  text: string;
}

type LineListener = (line: CapturedLine) => void;

interface StreamState {
  decoder: StringDecoder;
  partial: string;
}

/**
 * Collects lines from both streams of one process. Keeps at most `maxBytes` of the most recent lines in
 * memory (older ones remain in the log file) and notifies listeners of each new complete line.
 */
export class OutputCapture {
  private readonly lines: CapturedLine[] = [];
  private keptBytes = 0;
  private readonly streams: Record<StreamName, StreamState> = {
    stdout: { decoder: new StringDecoder('utf8'), partial: '' },
    stderr: { decoder: new StringDecoder('utf8'), partial: '' },
  };
  private readonly listeners = new Set<LineListener>();
  private logFd: number | undefined;

  constructor(
    readonly logFile: string,
    private readonly maxBytes: number,
  ) {
    this.logFd = openSync(logFile, 'a');
  }

  /** Feed a chunk read from `stream`; complete lines are recorded, a trailing partial line waits for more. */
  push(stream: StreamName, chunk: Buffer): void {
    const state = this.streams[stream];
    const text = state.partial + state.decoder.write(chunk);
    const parts = text.split('\n');
    state.partial = parts.pop() ?? '';
    this.record(stream, parts);
  }

  /** The stream ended: record its unterminated last line, if any. */
  end(stream: StreamName): void {
    const state = this.streams[stream];
    const rest = state.partial + state.decoder.end();
    state.partial = '';
    if (rest !== '') this.record(stream, [rest]);
  }

  /** Close the log file; later output is still kept in memory. */
  close(): void {
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.logFd = undefined;
  }

  /** The retained lines, optionally of one stream only. */
  linesOf(stream?: StreamName): CapturedLine[] {
    return stream ? this.lines.filter((line) => line.stream === stream) : [...this.lines];
  }

  /** The retained text of one stream (or both, interleaved in arrival order), newline-joined. */
  text(stream?: StreamName): string {
    return this.linesOf(stream)
      .map((line) => line.text)
      .join('\n');
  }

  /** Subscribe to new lines; returns the unsubscribe function. */
  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(stream: StreamName, texts: string[]): void {
    if (texts.length === 0) return;
    const tag = stream === 'stdout' ? 'out' : 'err';
    if (this.logFd !== undefined) writeSync(this.logFd, texts.map((text) => `${tag}| ${text}\n`).join(''));
    for (const text of texts.map((raw) => raw.replace(/\r$/, ''))) {
      const line = { stream, text };
      this.lines.push(line);
      this.keptBytes += text.length + 1;
      for (const listener of this.listeners) listener(line);
    }
    while (this.keptBytes > this.maxBytes && this.lines.length > 1) {
      this.keptBytes -= (this.lines.shift()?.text.length ?? 0) + 1;
    }
  }
}
