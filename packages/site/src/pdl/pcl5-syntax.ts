/**
 * The vocabulary of PCL 5 escape sequences shared by the scanner and the interpreter: what a parsed command
 * looks like, what the scanner hands to its sink, which commands carry binary data, and the reader of
 * parameter values. Values follow ghostpcl's lenient rules (pcl/pcl/pcparse.c): digits, one sign, one decimal
 * point, spaces ignored, other bytes of the 0x21..0x3F range skipped as garbage.
 */

export const ESC = 0x1b;

/** One parameterised command, with its terminator upper-cased. */
export interface Pcl5Command {
  /** {@link commandKey} of class, group and terminator. */
  key: number;
  /** The value, 0 when none was given; fractional values are kept. */
  value: number;
  /** True when a value was present. */
  present: boolean;
  /** True when the value carried a sign (`+` or `-`): relative moves. */
  signed: boolean;
}

/** What the scanner delivers. */
export interface Pcl5Sink {
  /** Printable bytes `buf[start..end)` (0x20 and above); `display` when display functions print them. */
  text(buf: Uint8Array, start: number, end: number, display: boolean): void;
  /** A control code (below 0x20, not ESC). */
  control(code: number): void;
  /** A two-character escape `ESC x` other than the display-function pair. */
  escape(code: number): void;
  /** A parameterised command (its data, if any, follows through {@link payload}). */
  command(cmd: Pcl5Command): void;
  /** For a data-carrying command of `length` bytes: true to receive the bytes through {@link payload}. */
  wantsPayload(cmd: Pcl5Command, length: number): boolean;
  /** The complete data of a command for which {@link wantsPayload} answered true. */
  payload(cmd: Pcl5Command, data: Buffer): void;
  /** HP-GL/2 bytes `buf[start..end)` (none of them ESC). */
  hpgl(buf: Uint8Array, start: number, end: number): void;
  /** A Universal Exit Language: the PCL job ends here (PJL may follow). */
  exitLanguage(): void;
  /** `@PJL ENTER LANGUAGE=X` for a language other than PCL: the scan stops. */
  otherLanguage(language: string): void;
}

/** The key of a command: class character, group character (or '' for none), terminator (either case). */
export function commandKey(cls: string, group: string, terminator: string): number {
  return (
    (cls.charCodeAt(0) << 16) |
    ((group ? group.charCodeAt(0) : 0) << 8) |
    terminator.toUpperCase().charCodeAt(0)
  );
}

const DATA_COMMANDS = new Set<number>(
  [
    ['*', 'b', 'W'], // raster row (last plane)
    ['*', 'b', 'V'], // raster plane
    ['(', 's', 'W'], // character download
    [')', 's', 'W'], // font header
    ['(', 'f', 'W'], // symbol set definition
    ['&', 'p', 'X'], // transparent print data
    ['*', 'c', 'W'], // user-defined pattern
    ['&', 'a', 'W'], // logical page definition
    ['*', 'v', 'W'], // configure image data
    ['*', 'm', 'W'], // download dither matrix
    ['*', 'l', 'W'], // colour lookup tables
    ['&', 'b', 'W'], // I/O configuration
    ['*', 'o', 'W'], // driver configuration
    ['*', 'i', 'W'], // viewing illuminant
    ['&', 'n', 'W'], // alphanumeric ID
    ['*', 'g', 'W'], // configure raster data
  ].map(([cls, group, terminator]) => commandKey(cls, group, terminator)),
);

/** True when the command is followed by `value` bytes of data. */
export function carriesData(key: number): boolean {
  return DATA_COMMANDS.has(key);
}

const MAX_VALUE = 1e9;

/** Accumulates the value of one parameter, byte by byte, across chunk boundaries. */
export class ParameterReader {
  private intPart = 0;
  private fraction = 0;
  private scale = 1;
  private present = false;
  private negative = false;
  private signed = false;
  private decimal = false;
  private garbage = false;

  /** Forget the value read so far. */
  reset(): void {
    this.intPart = 0;
    this.fraction = 0;
    this.scale = 1;
    this.present = false;
    this.negative = false;
    this.signed = false;
    this.decimal = false;
    this.garbage = false;
  }

  /** Take `code` into the value; false when it is not part of a value (a parameter character, or junk). */
  accept(code: number): boolean {
    if (this.garbage) {
      if (code >= 0x20 && code <= 0x3f) return true;
      this.garbage = false;
      return false;
    }
    if (code >= 0x30 && code <= 0x39) {
      this.present = true;
      if (this.decimal) this.fraction += (code - 0x30) / (this.scale *= 10);
      else if (this.intPart < MAX_VALUE) this.intPart = this.intPart * 10 + (code - 0x30);
    } else if (code === 0x2d || code === 0x2b) {
      this.negative = code === 0x2d;
      this.signed = true;
    } else if (code === 0x2e) {
      this.decimal = true;
    } else if (code > 0x20 && code <= 0x3f) {
      if (this.present) this.garbage = true;
    } else if (code !== 0x20) {
      return false;
    }
    return true;
  }

  /** The command closed by a parameter character, with the value read; the reader starts afresh. */
  take(key: number): Pcl5Command {
    const magnitude = this.intPart + this.fraction;
    const cmd = {
      key,
      value: this.negative ? -magnitude : magnitude,
      present: this.present,
      signed: this.signed,
    };
    this.reset();
    return cmd;
  }
}
