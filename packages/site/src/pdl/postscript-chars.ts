/**
 * Byte classes of PostScript syntax (PLRM 3rd ed. §3.2.2), shared by the tokenizer and its data-skipping modes:
 * whitespace, the ten delimiters, hexadecimal digits, and the escapes of literal strings.
 */

const LF = 0x0a;
const CR = 0x0d;

/** The syntactic class of a byte. A const enum, so the tokenizer's per-byte tests compare with literals. */
export const enum CharClass {
  Regular = 0,
  Whitespace = 1,
  Delimiter = 2,
}

/** The class of every byte value. */
export const CHAR_CLASS = new Uint8Array(256);
for (const code of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) CHAR_CLASS[code] = CharClass.Whitespace;
for (const ch of '()<>[]{}/%') CHAR_CLASS[ch.charCodeAt(0)] = CharClass.Delimiter;

/** True for PostScript whitespace bytes. */
export function isWhitespace(code: number): boolean {
  return CHAR_CLASS[code] === CharClass.Whitespace;
}

/** True for the delimiters `( ) < > [ ] { } / %`. */
export function isDelimiter(code: number): boolean {
  return CHAR_CLASS[code] === CharClass.Delimiter;
}

/** The value of a hexadecimal digit byte, or -1. */
export function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

const SIMPLE_ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c };

/** Decodes the escapes of a literal string's raw bytes (PLRM §3.2.2): `\\n`, `\\ddd`, line continuations. */
export function decodeEscapes(raw: Uint8Array): Buffer {
  const out = Buffer.alloc(raw.length);
  let length = 0;
  for (let i = 0; i < raw.length; i += 1) {
    if (raw[i] !== 0x5c || i + 1 >= raw.length) {
      out[length++] = raw[i];
      continue;
    }
    const next = raw[++i];
    if (SIMPLE_ESCAPES[next] !== undefined) out[length++] = SIMPLE_ESCAPES[next];
    else if (next >= 0x30 && next <= 0x37) {
      let value = next - 0x30;
      for (let digits = 1; digits < 3 && raw[i + 1] >= 0x30 && raw[i + 1] <= 0x37; digits += 1) {
        value = value * 8 + raw[++i] - 0x30;
      }
      out[length++] = value & 0xff;
    } else if (next === CR) {
      if (raw[i + 1] === LF) i += 1;
    } else if (next !== LF) out[length++] = next;
  }
  return Buffer.from(out.subarray(0, length));
}
