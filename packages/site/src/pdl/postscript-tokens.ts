/**
 * The tokens the PostScript tokenizer (postscript-lexer.ts) hands on, and the sink it hands them to: kept apart
 * so the interpreter and the tokenizer's tests name them without depending on how the tokenizer works.
 */

/** What a token is; strings, numbers and names carry their value in {@link PsToken}. */
export const enum TokenKind {
  Number,
  /** An executable name: `showpage`. */
  Name,
  /** A literal name: `/Duplex`. */
  Literal,
  /** An immediately evaluated name: `//showpage`. */
  Immediate,
  String,
  ProcOpen,
  ProcClose,
  ArrayOpen,
  ArrayClose,
  DictOpen,
  DictClose,
}

/** One token, as handed to the sink (the same object is refilled for the next token). */
export interface PsToken {
  kind: TokenKind;
  /** Name text (without slashes); empty for other kinds. */
  text: string;
  /** Numeric value of a Number token. */
  value: number;
  /** Content of a string token, one character per byte (latin1), when short enough to keep. */
  content: string | null;
}

/** Where tokens and DSC lines go. Called synchronously while a chunk is fed. */
export interface LexerSink {
  token(token: PsToken): void;
  /** A comment line starting with `%%` or `%!` at the start of a line, without its line end. */
  dscComment(line: string): void;
}

/** What a quiescent tokenizer (PsLexer.quiescent) carries on from the bytes before, for the prolog cache. */
export interface LexerCheckpoint {
  atLineStart: boolean;
  keepStringContent: boolean;
}
