/**
 * Feeds a PostScript job to the tokenizer, standing in a snapshot for the part of its program that other jobs
 * start with too (a driver's prolog: ghostscript's ps2write runs some 22,000 tokens of it before every job's first
 * page). Where the job's bytes match a snapshot's key exactly, the state the analyser would reach by running them
 * is copied in and scanning goes on after them; the snapshots and their keys are kept in postscript-prolog-cache.ts.
 *
 * Why the result is the same as running the bytes. The stretch starts at the job's first program byte: before it
 * lie only white space and comments, which make no token, so the interpreter and the ps2write hook are as new,
 * and the tokenizer is between tokens with its settings as new. What is left that the stretch could depend on is
 * named in the cache's context (whether the ps2write hook is on, the memory budget) or required of the job (no
 * `%%BeginData` section open, no page limit reached). From such a start the analysis is a function of the bytes:
 * no clock (the deadline only stops it, and a job restored from a snapshot just finishes sooner), no file name,
 * no randomness; where the tokenizer's chunks end does not change what it reads. A snapshot is only taken when
 * the stretch touched nothing outside the tokenizer, the interpreter and the hook: the page record unchanged,
 * every DSC line in it one whose effect does not depend on where it stands (isInertDscLine; the last one is
 * handed to the DSC reader again on restore, which leaves the reader as all of them did). It is taken at a line
 * start after a line feed (postscript-prolog-cache.ts), where the tokenizer has read nothing past the stretch,
 * and only when the tokenizer, the interpreter and the hook are quiescent there, so their exported state is all
 * they carry on. Snapshots are deep copies (postscript-clone.ts), copied again into every job restored from them.
 */
import { SnapshotGraph, ValueCloner } from './postscript-clone';
import { CHAR_CLASS, CharClass } from './postscript-chars';
import { isInertDscLine } from './postscript-dsc';
import { type InterpreterState, type PsInterpreter } from './postscript-interp';
import { type PsLexer } from './postscript-lexer';
import { type PageTracker } from './postscript-pages';
import { type Ps2WriteContent, type Ps2WriteState } from './postscript-pdf';
import { PrologCache } from './postscript-prolog-cache';
import { type LexerCheckpoint } from './postscript-tokens';

/**
 * Entries (procedure, array and dictionary entries) one snapshot may hold; a larger state is not kept. A snapshot
 * costs some 60 bytes an entry (ps2write's prolog leaves 13,000 entries: under 1 MB), so the cache's few
 * snapshots stay within a few tens of megabytes whatever the jobs.
 */
const MAX_SNAPSHOT_ENTRIES = 100_000;
const LF = 0x0a;
const CR = 0x0d;
const PERCENT = 0x25;

/** The analyser's state at a checkpoint. */
export interface PrologSnapshot {
  interpreter: InterpreterState;
  hook: Ps2WriteState | null;
  lexer: LexerCheckpoint;
  /** The last DSC line of the stretch (every one of them inert), or null when there was none. */
  lastDscLine: string | null;
  /** How to copy the values of `interpreter` and `hook` into a job. */
  graph: SnapshotGraph;
}

/** The snapshots of this thread's analyses. */
export const PROLOG_CACHE = new PrologCache<PrologSnapshot>();

/** The parts of the analyser the feeder drives and reads. */
export interface ScanParts {
  lexer: PsLexer;
  interpreter: PsInterpreter;
  pages: PageTracker;
  /** The ps2write hook, once a DSC comment switched it on. */
  hook(): Ps2WriteContent | null;
  /** Hands a DSC line to the DSC reader, as the tokenizer does. */
  dscLine(line: string): void;
  /** The analysis's memory budget, on which the interpreter's limits depend. */
  maxBufferBytes: number;
}

/** Where the first token of `bytes` starts: past white space and comment lines (a comment ends at CR or LF). */
export function programStart(bytes: Buffer): number {
  let at = 0;
  while (at < bytes.length) {
    const code = bytes[at];
    if (CHAR_CLASS[code] === CharClass.Whitespace) at += 1;
    else if (code !== PERCENT) break;
    else while (at < bytes.length && bytes[at] !== LF && bytes[at] !== CR) at += 1;
  }
  return at;
}

const enum Phase {
  /** Before the program's first byte. */
  Header,
  /** Running the stretch a snapshot is to be taken at the end of. */
  Recording,
  /** Nothing more to do but feed. */
  Plain,
}

/** See the file comment. Hand it the job's chunks in order with {@link feed}. */
export class PrologFeeder {
  private phase = Phase.Plain;
  private position = 0;
  private resumeAt = 0;
  private start = 0;
  private checkpoint = -1;
  private context = '';
  private changesAtStart = 0;
  private hookAtStart: Ps2WriteContent | null = null;
  private touched = false;
  private lastDscLine: string | null = null;

  /** `bytes` is the whole job when it is held in memory (else there is no cache); `cache` null turns it off. */
  constructor(
    private readonly parts: ScanParts,
    private readonly bytes: Buffer | null,
    private readonly cache: PrologCache<PrologSnapshot> | null,
  ) {
    if (bytes !== null && cache !== null) {
      this.start = programStart(bytes);
      if (this.start < bytes.length) this.phase = Phase.Header;
    }
  }

  /** The next chunk of the job (a slice of the bytes held, when they are). */
  feed(chunk: Buffer): void {
    const base = this.position;
    this.position += chunk.length;
    let from = Math.max(0, this.resumeAt - base);
    while (from < chunk.length) {
      const event =
        this.phase === Phase.Header ? this.start : this.phase === Phase.Recording ? this.checkpoint : -1;
      if (event < 0 || event >= this.position) {
        this.parts.lexer.feed(from === 0 ? chunk : chunk.subarray(from));
        return;
      }
      if (event - base > from) this.parts.lexer.feed(chunk.subarray(from, event - base));
      from = (this.phase === Phase.Header ? this.atProgramStart() : this.atCheckpoint()) - base;
    }
  }

  /** A DSC line the tokenizer hands on, before the DSC reader sees it. */
  noteDscLine(line: string): void {
    if (this.phase !== Phase.Recording) return;
    if (isInertDscLine(line)) this.lastDscLine = line;
    else this.touched = true;
  }

  /** At the first program byte: restores a snapshot, or plans one; returns where feeding goes on. */
  private atProgramStart(): number {
    this.phase = Phase.Plain;
    const { lexer, interpreter, pages } = this.parts;
    const bytes = this.bytes as Buffer;
    const cache = this.cache as PrologCache<PrologSnapshot>;
    if (!lexer.quiescent || !interpreter.quiescent || pages.overflow) return this.start;
    const hook = this.parts.hook();
    this.context = `${hook === null ? 'plain' : 'ps2write'}:${this.parts.maxBufferBytes}`;
    const program = bytes.subarray(this.start);
    const entry = cache.lookup(this.context, program);
    if (entry !== null) {
      this.restore(entry.snapshot, hook);
      this.resumeAt = this.start + entry.checkpoint;
      lexer.resume(this.resumeAt, entry.snapshot.lexer);
      return this.resumeAt;
    }
    const checkpoint = cache.plan(this.context, program);
    if (checkpoint > 0) {
      this.phase = Phase.Recording;
      this.checkpoint = this.start + checkpoint;
      this.changesAtStart = pages.changes;
      this.hookAtStart = hook;
    }
    return this.start;
  }

  private restore(snapshot: PrologSnapshot, hook: Ps2WriteContent | null): void {
    const copier = snapshot.graph.thaw();
    this.parts.interpreter.importState(snapshot.interpreter, copier);
    if (hook !== null && snapshot.hook !== null) hook.importState(snapshot.hook, copier);
    if (snapshot.lastDscLine !== null) this.parts.dscLine(snapshot.lastDscLine);
  }

  /** At the planned checkpoint: takes the snapshot when the stretch allows it; returns where feeding goes on. */
  private atCheckpoint(): number {
    this.phase = Phase.Plain;
    const { lexer, interpreter, pages } = this.parts;
    const hook = this.parts.hook();
    const untouched = !this.touched && pages.changes === this.changesAtStart && hook === this.hookAtStart;
    if (untouched && lexer.quiescent && interpreter.quiescent && (hook === null || hook.quiescent)) {
      const copier = new ValueCloner();
      const interpreterState = interpreter.exportState(copier);
      const hookState = hook === null ? null : hook.exportState(copier);
      copier.finish();
      if (copier.entries <= MAX_SNAPSHOT_ENTRIES) {
        const snapshot: PrologSnapshot = {
          interpreter: interpreterState,
          hook: hookState,
          lexer: lexer.checkpoint(),
          lastDscLine: this.lastDscLine,
          graph: new SnapshotGraph(copier),
        };
        const program = (this.bytes as Buffer).subarray(this.start);
        (this.cache as PrologCache<PrologSnapshot>).store(
          this.context,
          program,
          this.checkpoint - this.start,
          snapshot,
        );
      }
    }
    return this.checkpoint;
  }
}
