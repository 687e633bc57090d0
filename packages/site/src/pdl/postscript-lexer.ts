/**
 * A streaming PostScript tokenizer (PLRM 3rd ed. §3.2): it is fed chunks of any size and hands whole tokens and
 * DSC comment lines to a sink, holding at most one token's text in memory (strings: see postscript-strings.ts).
 *
 * The sink can ask it to skip data the program reads itself with `currentfile` rather than scan it (see
 * postscript-skip.ts); the one whitespace byte that ends the token before such data belongs to the token.
 */
import { CHAR_CLASS, CharClass } from './postscript-chars';
import { DataSkip, type SkipCollector } from './postscript-skip';
import { StringKind, StringScanner } from './postscript-strings';
import { type LexerCheckpoint, type LexerSink, type PsToken, TokenKind } from './postscript-tokens';
import { NameHash, nameOf, parseNumber, readNumber } from './postscript-words';

/** Characters kept of a word, and of a DSC comment after its first `%`, wherever the chunks end. */
const MAX_NAME_CHARS = 256;
const MAX_COMMENT_CHARS = 256;

const enum State {
  Normal,
  Word,
  Comment,
  InString,
  AfterLess,
  AfterGreater,
  AfterSlash,
}

const LF = 0x0a;
const CR = 0x0d;
const PERCENT = 0x25;

/** See the file comment. Feed chunks with {@link feed}, then call {@link end}. */
export class PsLexer {
  private state = State.Normal;
  private atLineStart = true;
  private text = '';
  private slashes = 0;
  private readonly skip = new DataSkip();
  private readonly strings = new StringScanner((content) => this.send(TokenKind.String, '', 0, content));
  /** One token object, refilled for every token: the sink copies what it keeps. */
  private readonly current: PsToken = { kind: TokenKind.Number, text: '', value: 0, content: null };
  /** Comment state: true when the comment cannot be a DSC line. */
  private plainComment = false;
  /** Bytes consumed before the current chunk (the stream position of its first byte). */
  consumed = 0;
  /** Stream position just after the last DSC comment line, where a `%%BeginData` section starts. */
  private afterComment = 0;
  /** End of the open `%%BeginData` section, or -1. */
  private dataRegionEnd = -1;

  constructor(private readonly sink: LexerSink) {}

  /** Skips the next `count` bytes unscanned (binary data of known length). */
  skipBytes(count: number): void {
    this.skip.bytes(count);
  }

  /** Skips everything up to and including `marker` (`~>`, `endstream`). */
  skipUntil(marker: string): void {
    this.skip.until(marker);
  }

  /** Skips `count` hexadecimal digits: `readhexstring` data. */
  skipHexDigits(count: number): void {
    this.skip.hexDigits(count);
  }

  /** Skips a PDF inline image's data, through the `EI` that ends it. */
  skipInlineImage(): void {
    this.skip.inlineImage();
  }

  /** Hands the data of the skip just started to `collector` when the skip ends (see postscript-skip.ts). */
  collectSkipped(collector: SkipCollector): void {
    this.skip.collect(collector);
  }

  /** Opens a `%%BeginData` section of `bytes` bytes after the comment line just read (null closes it). */
  dataRegion(bytes: number | null): void {
    this.dataRegionEnd = bytes === null ? -1 : this.afterComment + bytes;
  }

  /** Skips to the end of the open `%%BeginData` section; false when none is open. */
  skipDataRegion(): boolean {
    if (this.dataRegionEnd < 0) return false;
    this.skip.untilPosition(this.dataRegionEnd);
    this.dataRegionEnd = -1;
    return true;
  }

  /**
   * After data of unknown length may have thrown the scan off, a string still open when a line starts with
   * `%%Page:`, `%%Trailer` or `%%EOF` is taken for a runaway one and dropped there: DSC pages are independent, so
   * scanning can resume cleanly at the next page.
   */
  resynchroniseAtPages(): void {
    this.strings.resync = true;
  }

  /** When false, string tokens carry no content (saves an allocation per string of page text). */
  keepStringContent(keep: boolean): void {
    this.strings.keepContent = keep;
  }

  /**
   * True between tokens with nothing under way: no token, string or comment begun, no data being skipped or
   * waiting to be handed over, no `%%BeginData` section open, no runaway strings being looked for. Then the
   * tokenizer's output from here on depends only on the bytes to come and its {@link checkpoint}.
   */
  get quiescent(): boolean {
    const strings = this.strings;
    return (
      this.state === State.Normal &&
      this.skip.idle &&
      !strings.active &&
      !strings.resync &&
      this.dataRegionEnd < 0
    );
  }

  /** What a {@link quiescent} tokenizer carries on. */
  checkpoint(): LexerCheckpoint {
    return { atLineStart: this.atLineStart, keepStringContent: this.strings.keepContent };
  }

  /**
   * Goes on at stream position `position` as a tokenizer that had read the bytes before it, quiescent at
   * `checkpoint`. Where the last comment line ended is not carried: its one reader is the `%%BeginData` line that
   * has just set it (or one cut off by the end of the data, after which nothing is read).
   */
  resume(position: number, checkpoint: LexerCheckpoint): void {
    this.consumed = position;
    this.atLineStart = checkpoint.atLineStart;
    this.strings.keepContent = checkpoint.keepStringContent;
  }

  /** Scans `chunk`, calling the sink for every token and DSC line completed in it. */
  feed(chunk: Buffer): void {
    // A local: the loops below read it once per byte.
    const classes = CHAR_CLASS;
    let i = 0;
    const length = chunk.length;
    while (i < length) {
      if (this.skip.active) {
        i = this.skip.consume(chunk, i, this.consumed);
        this.atLineStart = false;
        continue;
      }
      let code = chunk[i];
      switch (this.state) {
        case State.Normal:
          // Runs of whitespace between tokens are passed over here, without a call per byte.
          while (classes[code] === CharClass.Whitespace) {
            this.atLineStart = code === LF || code === CR;
            if (++i === length) break;
            code = chunk[i];
          }
          if (i === length) break;
          // A word (most tokens) is read at once, without going round the loop in the Word state.
          i =
            classes[code] === CharClass.Regular
              ? this.startWord(chunk, i, classes)
              : this.normal(chunk, i, code);
          if (i < 0) return this.account(length);
          break;
        case State.Word:
          i = this.word(chunk, i, classes);
          if (i < 0) return this.account(length);
          break;
        case State.Comment:
          i = this.comment(chunk, i);
          break;
        case State.InString:
          i = this.strings.scan(chunk, i);
          if (!this.strings.active) {
            this.state = State.Normal;
            // A runaway string dropped at a page comment ends on that comment's line start.
            this.atLineStart = chunk[i - 1] === LF;
          }
          break;
        case State.AfterLess:
          i = this.afterLess(code, i);
          break;
        case State.AfterGreater:
          // `>>` closes a dictionary; a lone `>` is a syntax error, ignored.
          this.state = State.Normal;
          if (code === 0x3e) {
            this.emit(TokenKind.DictClose);
            i += 1;
          }
          break;
        case State.AfterSlash:
          this.state = State.Word;
          if (code === 0x2f) {
            this.slashes = 2;
            i += 1;
          }
          break;
      }
    }
    this.account(length);
  }

  /** Starts a word without slashes at `i` and reads it, as {@link word}. */
  private startWord(chunk: Buffer, i: number, classes: Uint8Array): number {
    this.atLineStart = false;
    this.state = State.Word;
    this.text = '';
    this.slashes = 0;
    return this.word(chunk, i, classes);
  }

  /**
   * Reads the word (or the rest of the word) starting at `i`; returns where scanning goes on, or -1 when the
   * chunk ended inside the word (its text is kept for the next chunk).
   */
  private word(chunk: Buffer, i: number, classes: Uint8Array): number {
    const length = chunk.length;
    let end = i;
    let hash: number = NameHash.Seed;
    for (; end < length; end += 1) {
      const byte = chunk[end];
      if (classes[byte] !== CharClass.Regular) break;
      hash = Math.imul(hash ^ byte, NameHash.Prime);
    }
    if (end < length && this.text === '' && end - i <= MAX_NAME_CHARS) {
      // The whole word is in this chunk: its value comes from the bytes, no string is built.
      this.finishWordAt(chunk, i, end, hash);
    } else {
      if (this.text.length < MAX_NAME_CHARS)
        this.text += chunk.toString('latin1', i, Math.min(end, i + MAX_NAME_CHARS - this.text.length));
      if (end === length) return -1;
      this.finishWord();
    }
    return this.afterToken(chunk, end);
  }

  /** Flushes a token cut off by the end of the data. */
  end(): void {
    this.skip.abandon();
    if (this.state === State.Word) this.finishWord();
    else if (this.state === State.Comment) this.finishComment();
    this.state = State.Normal;
  }

  private account(length: number): void {
    this.consumed += length;
  }

  /** Handles the byte at `i` between tokens; returns where scanning goes on, or -1 as {@link word} does. */
  private normal(chunk: Buffer, i: number, code: number): number {
    const lineStart = this.atLineStart;
    this.atLineStart = code === LF || code === CR;
    if (CHAR_CLASS[code] === CharClass.Whitespace) return i + 1;
    switch (code) {
      case PERCENT:
        this.state = State.Comment;
        this.text = lineStart ? '%' : '';
        this.plainComment = !lineStart;
        return i + 1;
      case 0x28: // (
        this.startString(StringKind.Literal);
        return i + 1;
      case 0x3c: // <
        this.state = State.AfterLess;
        return i + 1;
      case 0x3e: // >
        this.state = State.AfterGreater;
        return i + 1;
      case 0x5b: // [
        this.emit(TokenKind.ArrayOpen);
        return i + 1;
      case 0x5d: // ]
        this.emit(TokenKind.ArrayClose);
        return i + 1;
      case 0x7b: // {
        this.emit(TokenKind.ProcOpen);
        return i + 1;
      case 0x7d: // }
        this.emit(TokenKind.ProcClose);
        return i + 1;
      case 0x29: // ) unbalanced: ignored, as an interpreter would raise syntaxerror and go on
        return i + 1;
      default:
        this.state = State.Word;
        this.text = '';
        this.slashes = 0;
        if (code === 0x2f) {
          // `/name` or `//name`; the second slash may be in the next chunk.
          this.slashes = 1;
          if (i + 1 === chunk.length) {
            this.state = State.AfterSlash;
            return i + 1;
          }
          if (chunk[i + 1] === 0x2f) this.slashes = 2;
          return this.word(chunk, i + this.slashes, CHAR_CLASS);
        }
        return i;
    }
  }

  private afterLess(code: number, i: number): number {
    if (code === 0x3c) {
      this.state = State.Normal;
      this.emit(TokenKind.DictOpen);
      return i + 1;
    }
    if (code === 0x7e) {
      this.startString(StringKind.Ascii85);
      return i + 1;
    }
    this.startString(StringKind.Hex);
    return i;
  }

  private comment(chunk: Buffer, i: number): number {
    let end = i;
    while (end < chunk.length && chunk[end] !== LF && chunk[end] !== CR) end += 1;
    // A structure comment's text starts with the `%` that opened it.
    const room = MAX_COMMENT_CHARS + 1 - this.text.length;
    if (!this.plainComment && room > 0) {
      this.text += chunk.toString('latin1', i, Math.min(end, i + room));
      // Only `%%` and `%!` lines are structure comments; anything else is dropped at once.
      if (this.text.length >= 2 && this.text[1] !== '%' && this.text[1] !== '!') this.plainComment = true;
    }
    if (end === chunk.length) return end;
    const crlf = chunk[end] === CR && chunk[end + 1] === LF;
    this.afterComment = this.consumed + end + (crlf ? 2 : 1);
    this.finishComment();
    this.atLineStart = true;
    return end + 1;
  }

  private finishComment(): void {
    this.state = State.Normal;
    if (!this.plainComment && this.text.length >= 2) this.sink.dscComment(this.text);
    this.text = '';
  }

  private startString(kind: StringKind): void {
    this.state = State.InString;
    this.strings.start(kind);
  }

  private emit(kind: TokenKind): void {
    this.send(kind, '', 0, null);
  }

  private send(kind: TokenKind, text: string, value: number, content: string | null): void {
    const token = this.current;
    token.kind = kind;
    token.text = text;
    token.value = value;
    token.content = content;
    this.sink.token(token);
  }

  private finishWord(): void {
    this.state = State.Normal;
    const text = this.text;
    this.text = '';
    if (this.slashes > 0) {
      this.send(this.slashes === 2 ? TokenKind.Immediate : TokenKind.Literal, text, 0, null);
      return;
    }
    const number = parseNumber(text);
    if (number !== null) this.send(TokenKind.Number, '', number, null);
    else this.send(TokenKind.Name, text, 0, null);
  }

  /** {@link finishWord} for a word lying whole in `chunk[start, end)`. */
  private finishWordAt(chunk: Buffer, start: number, end: number, hash: number): void {
    this.state = State.Normal;
    if (this.slashes > 0) {
      const kind = this.slashes === 2 ? TokenKind.Immediate : TokenKind.Literal;
      this.send(kind, nameOf(chunk, start, end, hash), 0, null);
      return;
    }
    const token = this.current;
    if (readNumber(chunk, start, end, token)) {
      token.kind = TokenKind.Number;
      token.text = '';
      token.content = null;
      this.sink.token(token);
    } else this.send(TokenKind.Name, nameOf(chunk, start, end, hash), 0, null);
  }

  /** After a word ended at `end`: one whitespace byte belongs to the token, so data read by the program starts after it. */
  private afterToken(chunk: Buffer, end: number): number {
    const code = chunk[end];
    this.atLineStart = code === LF || code === CR;
    if (CHAR_CLASS[code] !== CharClass.Whitespace) return end;
    // A CR LF after the token is one line end: when the program reads data from here, the LF is not data.
    if (this.skip.active && code === CR) this.skip.swallowLineFeed();
    return end + 1;
  }
}
