/**
 * HP-GL/2 inside PCL 5 (`ESC %#B` .. `ESC %#A`): just enough of the vector language to know whether a section
 * draws on the page, and with which pen, so the page counts as marked and, when the pen's palette entry is a
 * colour, as colour. Mnemonics are two letters followed by parameters up to the next letter or `;`; labels
 * (`LB`) run to the label terminator (ETX unless `DT` changes it), encoded polylines (`PE`) to `;`, comments
 * (`CO`) are quoted. Nothing here can fail: unknown mnemonics are skipped with their parameters.
 */

/** What an HP-GL/2 section does that matters for counting. */
export interface HpglEvents {
  /** Something was drawn with pen `pen`. */
  draw(pen: number): void;
  /** `PC pen,r,g,b`: a pen's colour; `rgb` null restores the default. */
  penColor(pen: number, rgb: [number, number, number] | null): void;
  /** `NP n`: the palette gets `n` pens. */
  pens(count: number): void;
}

// Mnemonics that always put ink on the page (wedges, rectangles, circles, fills, encoded polylines).
const ALWAYS_DRAWS = new Set(['CI', 'EA', 'ER', 'EW', 'RA', 'RR', 'WG', 'FP', 'EP', 'PE']);
// Mnemonics that draw when the pen is down and they carry coordinates.
const DRAWS_WHEN_DOWN = new Set(['PA', 'PR', 'AA', 'AR', 'AT', 'BR', 'BZ', 'RT', 'PD']);

const ETX = 0x03;
const MAX_PARAMETER_CHARS = 4096;

enum Mode {
  Mnemonic,
  Parameters,
  Label,
  Quoted,
  Encoded,
  CharacterParameter,
}

/** An incremental HP-GL/2 reader; its state survives chunk boundaries and escape sequences. */
export class HpglParser {
  private mode = Mode.Mnemonic;
  private first = 0;
  private mnemonic = '';
  private params = '';
  private penDown = false;
  private pen = 1;
  private labelTerminator = ETX;
  private labelPrinted = false;
  private quoteOpen = false;

  constructor(private readonly events: HpglEvents) {}

  /** Back to the state after `IN`: pen up, pen 1, ETX label terminator. */
  reset(): void {
    this.mode = Mode.Mnemonic;
    this.first = 0;
    this.penDown = false;
    this.pen = 1;
    this.labelTerminator = ETX;
  }

  /** Read HP-GL/2 bytes `buf[start..end)`. */
  feed(buf: Uint8Array, start: number, end: number): void {
    for (let i = start; i < end; i += 1) this.byte(buf[i]);
  }

  private byte(code: number): void {
    switch (this.mode) {
      case Mode.Mnemonic:
        return this.mnemonicByte(code);
      case Mode.Parameters:
        return this.parameterByte(code);
      case Mode.Label:
        return this.labelByte(code);
      case Mode.Quoted:
        return this.quotedByte(code);
      case Mode.Encoded:
        if (code === 0x3b) this.finish();
        else this.params = 'x';
        return;
      case Mode.CharacterParameter:
        return this.characterByte(code);
    }
  }

  private mnemonicByte(code: number): void {
    const letter = code | 0x20;
    if (letter < 0x61 || letter > 0x7a) {
      this.first = 0;
      return;
    }
    if (!this.first) {
      this.first = letter;
      return;
    }
    this.mnemonic = String.fromCharCode(this.first, letter).toUpperCase();
    this.first = 0;
    this.params = '';
    if (this.mnemonic === 'LB') {
      this.mode = Mode.Label;
      this.labelPrinted = false;
    } else if (this.mnemonic === 'CO') {
      this.mode = Mode.Quoted;
      this.quoteOpen = false;
    } else if (this.mnemonic === 'PE') this.mode = Mode.Encoded;
    else if (this.mnemonic === 'DT' || this.mnemonic === 'SM') this.mode = Mode.CharacterParameter;
    else this.mode = Mode.Parameters;
  }

  private parameterByte(code: number): void {
    const letter = code | 0x20;
    if (code === 0x3b || (letter >= 0x61 && letter <= 0x7a)) {
      this.finish();
      if (code !== 0x3b) this.mnemonicByte(code);
      return;
    }
    if (this.params.length < MAX_PARAMETER_CHARS) this.params += String.fromCharCode(code);
  }

  // CO "comment": anything between the quotes; without an opening quote, CO has no parameter.
  private quotedByte(code: number): void {
    if (code === 0x22) {
      if (this.quoteOpen) this.finish();
      this.quoteOpen = !this.quoteOpen;
    } else if (!this.quoteOpen && code !== 0x20) {
      this.mode = Mode.Mnemonic;
      if (code !== 0x3b) this.mnemonicByte(code);
    }
  }

  // DT and SM take a single character first (any byte; `;` alone means "back to the default").
  private characterByte(code: number): void {
    if (this.mnemonic === 'DT') this.labelTerminator = code === 0x3b ? ETX : code;
    if (code === 0x3b) {
      this.mode = Mode.Mnemonic;
      return;
    }
    this.mode = Mode.Parameters;
  }

  private labelByte(code: number): void {
    if (code === this.labelTerminator) {
      if (this.labelPrinted) this.events.draw(this.pen);
      this.mode = Mode.Mnemonic;
      return;
    }
    if (code > 0x20 && code !== 0x7f) this.labelPrinted = true;
  }

  private finish(): void {
    const name = this.mnemonic;
    const params = this.params.trim();
    this.mode = Mode.Mnemonic;
    this.apply(name, params);
  }

  private apply(name: string, params: string): void {
    const numbers = params
      .split(/[\s,]+/)
      .filter((part) => part.length > 0)
      .map(Number)
      .filter((value) => Number.isFinite(value));
    if (name === 'PD') this.penDown = true;
    else if (name === 'PU') this.penDown = false;
    else if (name === 'IN') this.reset();
    else if (name === 'SP') this.pen = numbers.length > 0 ? Math.trunc(numbers[0]) : 0;
    else if (name === 'NP') this.events.pens(numbers.length > 0 ? Math.trunc(numbers[0]) : 8);
    else if (name === 'PC') this.penColorCommand(numbers);
    if (ALWAYS_DRAWS.has(name) && (name !== 'PE' || params.length > 0)) this.events.draw(this.pen);
    else if (DRAWS_WHEN_DOWN.has(name) && this.penDown && numbers.length > 0) this.events.draw(this.pen);
  }

  private penColorCommand(numbers: number[]): void {
    if (numbers.length >= 4) {
      this.events.penColor(Math.trunc(numbers[0]), [numbers[1], numbers[2], numbers[3]]);
    } else if (numbers.length >= 1) this.events.penColor(Math.trunc(numbers[0]), null);
  }
}
