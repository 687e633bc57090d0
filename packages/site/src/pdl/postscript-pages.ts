/**
 * Page bookkeeping of the PostScript analyser. It keeps two page lists side by side, because a PostScript job
 * describes its pages twice: by what it executes (each `showpage`/`copypage` the interpreter ran, with the
 * colour painted since the previous one) and by its DSC comments (each `%%Page:` section). The analyser decides
 * afterwards which list to trust (postscript.ts). Paper, duplex and copies follow the page device as the program
 * and its DSC feature comments set it; each page records the paper and duplex in force when it ends.
 *
 * A PostScript error the program does not catch ends the job as on a printer: the pages ejected before it count,
 * the page being painted and everything after it do not ({@link PageTracker.endJob}).
 */
import { type DuplexMode, type PageFacts } from './pdl-types';
import { type ColourClass } from './postscript-colour';
import { type PageSink } from './postscript-values';

/** Pages kept per list; past it the job is absurd (or hostile) and the count is reported as a floor. */
export const MAX_PAGES = 1_000_000;
const MAX_MESSAGES = 8;

class Marks {
  color = false;
  unknown = false;
  add(cls: ColourClass): void {
    if (cls === 'color') this.color = true;
    else if (cls === 'unknown') this.unknown = true;
  }
  get value(): boolean | null {
    if (this.color) return true;
    return this.unknown ? null : false;
  }
}

/** See the file comment. */
export class PageTracker implements PageSink {
  readonly execPages: PageFacts[] = [];
  readonly dscPages: PageFacts[] = [];
  /** Why the executed page count cannot be trusted (empty when it can). */
  readonly undecidableReasons = new Set<string>();
  readonly notices = new Set<string>();
  copies: number | null = null;
  copiesVaried = false;
  overflow = false;
  /** Why the job ended early (an uncaught PostScript error), or null when it ran to its end. */
  endedBy: string | null = null;
  /**
   * Calls that may have changed the record, counted: an unchanged count shows a stretch of the job left it alone
   * (what the prolog cache requires of the stretch it stands in for, postscript-prolog-feeder.ts).
   */
  changes = 0;
  /** Once the scan may have been thrown off, a page that showed no colour may have hidden it: unknown. */
  private suspect = false;
  private paper: string | null = null;
  private duplex: boolean | null = null;
  private tumble = false;
  private exec = new Marks();
  private dsc = new Marks();
  private inDscPage = false;
  /** Identical page facts share one object, so a million-page job costs a pointer per page. */
  private readonly interned = new Map<string, PageFacts>();
  /** The paint of an image whose pixels are still being read, or null. */
  private pendingPaint: { settled: boolean } | null = null;

  paint(cls: ColourClass): void {
    this.changes += 1;
    this.exec.add(cls);
    if (this.inDscPage) this.dsc.add(cls);
  }

  deferPaint(): (cls: ColourClass) => void {
    this.changes += 1;
    this.settlePendingPaint();
    const pending = { settled: false };
    this.pendingPaint = pending;
    return (cls) => {
      if (pending.settled) return;
      pending.settled = true;
      if (this.pendingPaint === pending) this.pendingPaint = null;
      this.paint(cls);
    };
  }

  eject(erase: boolean): void {
    this.changes += 1;
    if (this.endedBy !== null) return;
    this.settlePendingPaint();
    this.record(this.execPages, this.exec);
    if (erase) this.exec = new Marks();
  }

  /** Ends the job at an uncaught error: nothing after it is printed, the DSC page under way included. */
  endJob(reason: string): void {
    this.changes += 1;
    if (this.endedBy !== null) return;
    this.endedBy = reason;
    this.inDscPage = false;
  }

  undecidable(reason: string): void {
    this.changes += 1;
    if (this.undecidableReasons.size < MAX_MESSAGES) this.undecidableReasons.add(reason);
  }

  derailed(reason: string): void {
    this.changes += 1;
    this.undecidable(reason);
    this.notice(reason);
    this.suspect = true;
  }

  notice(message: string): void {
    this.changes += 1;
    if (this.notices.size < MAX_MESSAGES) this.notices.add(message);
  }

  setPaper(paper: string | null): void {
    this.changes += 1;
    if (paper) this.paper = paper;
  }

  /** The paper a DSC `%%DocumentMedia` names as the default: used only until the program sets one. */
  setDefaultPaper(paper: string | null): void {
    this.changes += 1;
    if (this.paper === null) this.paper = paper;
  }

  setDuplex(duplex: boolean | null, tumble: boolean | null): void {
    this.changes += 1;
    if (duplex !== null) this.duplex = duplex;
    if (tumble !== null) this.tumble = tumble;
  }

  setCopies(copies: number): void {
    this.changes += 1;
    if (!Number.isFinite(copies) || copies < 1) return;
    const whole = Math.floor(copies);
    if (this.copies !== null && this.copies !== whole) this.copiesVaried = true;
    this.copies = whole;
  }

  /** The duplex mode in force, or null when the job never said. */
  get duplexMode(): DuplexMode | null {
    if (this.duplex === null) return null;
    if (!this.duplex) return 'simplex';
    return this.tumble ? 'short-edge' : 'long-edge';
  }

  /** A `%%Page:` comment: the previous DSC page (if any) ends, a new one starts. */
  dscPageStart(): void {
    this.changes += 1;
    if (this.endedBy !== null) return;
    this.settlePendingPaint();
    if (this.inDscPage) this.record(this.dscPages, this.dsc);
    this.inDscPage = true;
    this.dsc = new Marks();
  }

  /** `%%Trailer`, `%%EOF` or the end of the data: the last DSC page ends. */
  dscEnd(): void {
    this.changes += 1;
    this.settlePendingPaint();
    if (this.inDscPage) this.record(this.dscPages, this.dsc);
    this.inDscPage = false;
  }

  /** A page ends before the pixels of an image on it were seen: the image counts by its colour space. */
  private settlePendingPaint(): void {
    const pending = this.pendingPaint;
    if (pending === null) return;
    pending.settled = true;
    this.pendingPaint = null;
    this.paint('color');
  }

  private record(list: PageFacts[], marks: Marks): void {
    if (list.length >= MAX_PAGES) {
      this.overflow = true;
      return;
    }
    const duplex = this.duplexMode;
    const color = marks.value === false && this.suspect ? null : marks.value;
    const facts: PageFacts = { color, paper: this.paper };
    if (duplex !== null) facts.duplex = duplex;
    const key = `${facts.color}|${facts.paper}|${duplex}`;
    const shared = this.interned.get(key) ?? facts;
    this.interned.set(key, shared);
    list.push(shared);
  }
}
