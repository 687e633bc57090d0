/**
 * The PCL 5 byte-level scanner: it cuts a stream into printable text, control codes and escape sequences, and
 * delivers them to a {@link Pcl5Sink} (the interpreter), one chunk at a time, so a job of any size streams
 * through with bounded memory. It follows the parsing rules of HP's PCL 5 Technical Reference as ghostpcl
 * implements them (pcl/pcl/pcparse.c):
 * - `ESC x` is a two-character command; `ESC ! .. /` opens a parameterised command: an optional group character
 *   (`` ` `` .. `~`), then values each closed by a parameter character; a lower-case one continues the sequence
 *   (`ESC &l1s26a2X` is three commands), an upper-case one ends it; any other byte aborts it and is rescanned;
 * - commands that carry binary data (`ESC *b#W`, `ESC (s#W`, ...) are followed by exactly # bytes, which are
 *   skipped by length or collected for the sink, even in the middle of a combined sequence;
 * - `ESC %#B` switches to HP-GL/2, whose bytes go to the sink until an escape sequence (`ESC %#A` returns);
 * - `ESC Y` turns on display functions (every byte prints) until `ESC Z`;
 * - after a Universal Exit Language `ESC %-12345X` come PJL lines, skipped; `@PJL ENTER LANGUAGE=PCL` resumes,
 *   another language stops the scan (that part of the job is not PCL 5).
 * Macro definitions (`ESC &f0X` .. `ESC &f1X`) are recorded raw, not executed, when the sink asks for it.
 */

import { MacroRecorder } from './pcl5-macro-recorder';
import {
  ESC,
  ParameterReader,
  carriesData,
  commandKey,
  type Pcl5Command,
  type Pcl5Sink,
} from './pcl5-syntax';

const UEL_KEY = commandKey('%', '', 'X');
const ENTER_HPGL_KEY = commandKey('%', '', 'B');
const ENTER_PCL_KEY = commandKey('%', '', 'A');
const MACRO_KEY = commandKey('&', 'f', 'X');

enum State {
  Text,
  Escape,
  Class,
  Parameter,
  Payload,
  Hpgl,
  Display,
  DisplayEscape,
  PjlLineStart,
  PjlLine,
  Stopped,
}

type BaseMode = State.Text | State.Hpgl | State.Display;

const PJL_LINE_PREFIX_MAX = 256;
const PCL_LANGUAGES = new Set(['PCL', 'PCL5', 'PCL5C', 'PCL5E', 'HPGL2']);

/** Options of a scanner. */
export interface Pcl5ScannerOptions {
  /** Largest payload collected for the sink; longer ones are skipped. */
  maxPayloadBytes: number;
  /** Largest macro body kept; a longer one is recorded as too large. */
  maxMacroBytes: number;
}

/**
 * The streaming scanner. Feed chunks in order, then call {@link finish}; the state survives chunk boundaries.
 */
export class Pcl5Scanner {
  private state = State.Text;
  private base: BaseMode = State.Text;
  private cls = 0;
  private group = 0;
  private readonly value = new ParameterReader();
  private payloadLeft = 0;
  private payloadCmd: Pcl5Command | null = null;
  private payloadData: Buffer | null = null;
  private payloadFilled = 0;
  private afterPayload: State = State.Text;
  private resumeParameters = false;
  private pjlLine: number[] = [];
  // The chunk being scanned and the position just past the command being dispatched, for macro recording.
  private chunk: Uint8Array = new Uint8Array(0);
  private cursor = 0;
  private recording: MacroRecorder | null = null;
  /** True when the data ended inside an escape sequence or a declared payload. */
  truncated = false;
  /** True when the stream switched to another language, or the sink asked to stop. */
  stopped = false;

  constructor(
    private readonly sink: Pcl5Sink,
    private readonly options: Pcl5ScannerOptions,
  ) {}

  /** Scan one chunk. */
  feed(buf: Uint8Array): void {
    this.chunk = buf;
    this.recording?.nextChunk();
    let i = 0;
    while (i < buf.length && !this.stopped) i = this.step(buf, i);
    this.recording?.keep(buf, buf.length);
  }

  /** The stream ended: note an unfinished sequence or payload. */
  finish(): void {
    const inside = [State.Escape, State.Class, State.Parameter, State.Payload];
    if (!this.stopped && inside.includes(this.state)) this.truncated = true;
  }

  /** Stop scanning: the rest of the chunk and later chunks are ignored. */
  stop(): void {
    this.stopped = true;
    this.state = State.Stopped;
  }

  /** Start keeping the raw bytes after the current command, as a macro body, until {@link endMacroRecording}. */
  beginMacroRecording(): void {
    this.recording = new MacroRecorder(this.options.maxMacroBytes, this.cursor);
  }

  /** True while a macro is being defined. */
  get recordingMacro(): boolean {
    return this.recording !== null;
  }

  /** The body recorded since {@link beginMacroRecording}, without the closing command; null when too large. */
  endMacroRecording(): Buffer | null {
    const body = this.recording?.finish(this.chunk, this.cursor) ?? null;
    this.recording = null;
    return body;
  }

  private step(buf: Uint8Array, i: number): number {
    switch (this.state) {
      case State.Text:
        return this.scanText(buf, i);
      case State.Escape:
        return this.scanEscape(buf, i);
      case State.Class:
        return this.scanClass(buf, i);
      case State.Parameter:
        return this.scanParameter(buf, i);
      case State.Payload:
        return this.scanPayload(buf, i);
      case State.Hpgl:
        return this.scanHpgl(buf, i);
      case State.Display:
      case State.DisplayEscape:
        return this.scanDisplay(buf, i);
      case State.PjlLineStart:
      case State.PjlLine:
        return this.scanPjl(buf, i);
      default:
        return buf.length;
    }
  }

  private enterEscape(i: number): number {
    this.recording?.escapeAt(i);
    this.state = State.Escape;
    return i + 1;
  }

  private scanText(buf: Uint8Array, i: number): number {
    const start = i;
    while (i < buf.length && buf[i] >= 0x20) i += 1;
    if (i > start) {
      if (!this.recording) this.sink.text(buf, start, i, false);
      return i;
    }
    const code = buf[i];
    if (code === ESC) return this.enterEscape(i);
    if (!this.recording) this.sink.control(code);
    return i + 1;
  }

  private scanEscape(buf: Uint8Array, i: number): number {
    const code = buf[i];
    if (code >= 0x21 && code <= 0x2f) {
      this.cls = code;
      this.state = State.Class;
      return i + 1;
    }
    this.state = this.base;
    if (code >= 0x30 && code <= 0x7e) {
      if (this.recording) return i + 1;
      if (code === 0x59 /* Y */) {
        this.base = State.Display;
        this.state = State.Display;
        return i + 1;
      }
      if (code === 0x45 /* E */) this.base = State.Text;
      this.state = this.base;
      this.sink.escape(code);
      return i + 1;
    }
    // ESC followed by something that starts no command: the ESC is dropped and the byte rescanned.
    return i;
  }

  private scanClass(buf: Uint8Array, i: number): number {
    const code = buf[i];
    this.group = code >= 0x60 && code <= 0x7e ? code : 0;
    this.value.reset();
    this.state = State.Parameter;
    return this.group ? i + 1 : i;
  }

  private scanParameter(buf: Uint8Array, i: number): number {
    while (i < buf.length) {
      const code = buf[i];
      if (!this.value.accept(code)) return this.terminate(i, code);
      i += 1;
    }
    return i;
  }

  private terminate(i: number, code: number): number {
    const combined = code >= 0x60 && code <= 0x7e;
    if (!combined && !(code >= 0x40 && code <= 0x5e)) {
      // Out-of-place byte: the sequence ends here and the byte is scanned again as ordinary data.
      this.state = this.base;
      return i;
    }
    const terminator = combined ? code - 0x20 : code;
    const cmd = this.value.take((this.cls << 16) | (this.group << 8) | terminator);
    this.resumeParameters = combined;
    this.cursor = i + 1;
    this.state = combined ? State.Parameter : this.base;
    this.dispatch(cmd);
    if (carriesData(cmd.key) && cmd.value >= 1) return this.startPayload(cmd, i + 1);
    return i + 1;
  }

  private dispatch(cmd: Pcl5Command): void {
    const exit = cmd.key === UEL_KEY && cmd.value === -12345;
    if (this.recording && !exit) {
      if (cmd.key === MACRO_KEY) this.sink.command(cmd);
      return;
    }
    // A UEL ends the job, and with it a macro definition left open.
    this.recording = null;
    if (exit) {
      this.base = State.Text;
      this.state = State.PjlLineStart;
      this.pjlLine = [];
      this.sink.exitLanguage();
      return;
    }
    if (cmd.key === ENTER_HPGL_KEY) this.base = State.Hpgl;
    else if (cmd.key === ENTER_PCL_KEY) this.base = State.Text;
    if (!this.resumeParameters && this.state !== State.PjlLineStart) this.state = this.base;
    this.sink.command(cmd);
  }

  private startPayload(cmd: Pcl5Command, i: number): number {
    const length = Math.floor(cmd.value);
    this.payloadCmd = cmd;
    this.payloadLeft = length;
    this.payloadFilled = 0;
    const wanted =
      !this.recording && length <= this.options.maxPayloadBytes && this.sink.wantsPayload(cmd, length);
    this.payloadData = wanted ? Buffer.allocUnsafe(length) : null;
    this.afterPayload = this.state;
    this.state = State.Payload;
    return i;
  }

  private scanPayload(buf: Uint8Array, i: number): number {
    const take = Math.min(this.payloadLeft, buf.length - i);
    if (this.payloadData) {
      this.payloadData.set(buf.subarray(i, i + take), this.payloadFilled);
      this.payloadFilled += take;
    }
    this.payloadLeft -= take;
    if (this.payloadLeft === 0) {
      this.state = this.afterPayload;
      const cmd = this.payloadCmd;
      const data = this.payloadData;
      this.payloadCmd = null;
      this.payloadData = null;
      if (cmd && data) this.sink.payload(cmd, data);
    }
    return i + take;
  }

  private scanHpgl(buf: Uint8Array, i: number): number {
    const esc = buf.indexOf(ESC, i);
    const end = esc < 0 ? buf.length : esc;
    if (end > i && !this.recording) this.sink.hpgl(buf, i, end);
    return end < buf.length ? this.enterEscape(end) : end;
  }

  private scanDisplay(buf: Uint8Array, i: number): number {
    const code = buf[i];
    if (this.state === State.DisplayEscape) {
      this.state = State.Display;
      if (code === 0x5a /* Z */) {
        // ESC Z prints itself, then display functions end.
        this.base = State.Text;
        this.state = State.Text;
        this.sink.text(Uint8Array.of(ESC, code), 0, 2, true);
        return i + 1;
      }
      this.sink.text(Uint8Array.of(ESC), 0, 1, true);
      return i;
    }
    if (code === ESC) {
      this.state = State.DisplayEscape;
      return i + 1;
    }
    let end = i + 1;
    while (end < buf.length && buf[end] !== ESC) end += 1;
    this.sink.text(buf, i, end, true);
    return end;
  }

  private scanPjl(buf: Uint8Array, i: number): number {
    const code = buf[i];
    if (this.state === State.PjlLineStart) {
      if (code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a || code === 0x0c) return i + 1;
      if (code === ESC) {
        // Another UEL, or PCL resuming without a PJL ENTER.
        this.state = State.Text;
        return this.enterEscape(i);
      }
      if (code !== 0x40 /* @ */) {
        this.state = State.Text;
        return i;
      }
      this.state = State.PjlLine;
      this.pjlLine = [];
    }
    const lf = buf.indexOf(0x0a, i);
    const end = lf < 0 ? buf.length : lf;
    for (let k = i; k < end && this.pjlLine.length < PJL_LINE_PREFIX_MAX; k += 1) this.pjlLine.push(buf[k]);
    if (lf < 0) return buf.length;
    this.endPjlLine();
    return lf + 1;
  }

  private endPjlLine(): void {
    const line = String.fromCharCode(...this.pjlLine).trim();
    this.state = State.PjlLineStart;
    const enter = /^@PJL\s+ENTER\s+LANGUAGE\s*=\s*"?([A-Za-z0-9_.:-]+)/i.exec(line);
    if (!enter) return;
    const language = enter[1].toUpperCase();
    if (PCL_LANGUAGES.has(language)) {
      this.state = State.Text;
      return;
    }
    this.stop();
    this.sink.otherLanguage(language);
  }
}
