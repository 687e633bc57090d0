/**
 * Reads the Document Structuring Conventions comments of a PostScript job (Adobe DSC 3.0, and the feature
 * comments of PPD-driven drivers such as CUPS and Windows PScript):
 * - `%!PS-Adobe-` (a conforming document), `%%Pages:` (the declared count; a trailer value replaces `(atend)`),
 *   `%%Page:` (a page starts), `%%Trailer`/`%%EOF` (the last page ends);
 * - `%%BeginDocument`/`%%EndDocument`: pages of an embedded document are not pages of this one;
 * - `%%BeginData: n ... Bytes`/`%%BeginBinary: n`: the section's length, for an image whose data length the
 *   interpreter cannot compute (the section holds the reading operator and the data, DSC 3.0);
 * - `%%BeginFeature:`/`%%IncludeFeature:` with `*Duplex` (None, DuplexNoTumble, DuplexTumble), `*PageSize` or
 *   `*PageRegion` (a PPD keyword such as `A4`, `Letter.Fullbleed`, `Custom.595x842`);
 * - `%%BeginNonPPDFeature: NumCopies n` (CUPS), `%%Requirements: numcopies(n) duplex(tumble)`;
 * - `%%DocumentMedia:` (the default paper) and `%%PageMedia:` (a page's paper, by media name);
 * - `%%Creator:` naming ghostscript's ps2write, whose pages are PDF content (see postscript-pdf.ts).
 */
import { mediaNameForKeyword, mediaNameForPoints } from './media';
import { type PageTracker } from './postscript-pages';

/** What a DSC comment can act on. */
export interface DscTarget {
  pages: PageTracker;
  /** Switches the interpreter to ghostscript ps2write's PDF-in-PostScript page content. */
  enablePs2Write(): void;
  /** A `%%BeginData` section of `bytes` bytes starts after this comment (null: it ended). */
  dataRegion(bytes: number | null): void;
}

const DUPLEX_CHOICES: Record<string, [boolean, boolean]> = {
  none: [false, false],
  false: [false, false],
  simplex: [false, false],
  duplexnotumble: [true, false],
  true: [true, false],
  longedge: [true, false],
  duplextumble: [true, true],
  shortedge: [true, true],
};

function splitComment(line: string): { keyword: string; value: string } {
  const colon = line.indexOf(':');
  if (colon < 0) return { keyword: line.trim(), value: '' };
  return { keyword: line.slice(0, colon + 1), value: line.slice(colon + 1).trim() };
}

/** The PWG paper for a PPD PageSize choice: `A4`, `Letter.Fullbleed`, `Custom.595x842` (points). */
function paperForPpdChoice(choice: string): string | null {
  const custom = /^Custom\.(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$/i.exec(choice);
  if (custom) return mediaNameForPoints(Number(custom[1]), Number(custom[2]));
  return mediaNameForKeyword(choice.split('.')[0]);
}

/** See the file comment. Feed it every DSC line with {@link handle}. */
export class DscReader {
  conforming = false;
  /** The `%%Pages:` value, the trailer's replacing the header's; null when absent or `(atend)` unresolved. */
  declaredPages: number | null = null;
  /** True once `%%EOF` was read outside an embedded document: a conforming job missing it may be truncated. */
  sawEof = false;
  private seenFirst = false;
  private embedDepth = 0;
  private lastKeyword = '';
  private readonly media = new Map<string, string>();

  handle(line: string, target: DscTarget): void {
    if (!this.seenFirst) {
      this.seenFirst = true;
      if (line.startsWith('%!PS-Adobe-')) this.conforming = true;
    }
    const { keyword, value } = splitComment(line);
    if (keyword === '%%+') return this.continuation(value, target);
    this.lastKeyword = keyword;
    if (this.structure(keyword, value, target)) return;
    this.feature(keyword, value, target);
  }

  /** Page structure; returns true when the keyword was one of these. */
  private structure(keyword: string, value: string, target: DscTarget): boolean {
    switch (keyword) {
      case '%%BeginDocument:':
      case '%%BeginDocument':
        this.embedDepth += 1;
        return true;
      case '%%EndDocument':
        this.embedDepth = Math.max(0, this.embedDepth - 1);
        return true;
      case '%%Pages:': {
        const count = /^\d+/.exec(value);
        if (count && this.embedDepth === 0) this.declaredPages = Number(count[0]);
        return true;
      }
      case '%%Page:':
        if (this.embedDepth === 0) target.pages.dscPageStart();
        return true;
      case '%%Trailer':
      case '%%EOF':
        if (this.embedDepth === 0) target.pages.dscEnd();
        if (this.embedDepth === 0 && keyword === '%%EOF') this.sawEof = true;
        return true;
      case '%%Creator:':
        if (/\bps2write\b/.test(value) && this.embedDepth === 0) target.enablePs2Write();
        return true;
      default:
        return false;
    }
  }

  private feature(keyword: string, value: string, target: DscTarget): void {
    const pages = target.pages;
    switch (keyword) {
      case '%%BeginFeature:':
      case '%%IncludeFeature:':
        return this.ppdFeature(value, target);
      case '%%BeginData:': {
        const [count, , unit = 'Bytes'] = value.split(/\s+/);
        target.dataRegion(/^\d+$/.test(count) && unit === 'Bytes' ? Number(count) : null);
        return;
      }
      case '%%BeginBinary:':
        target.dataRegion(/^\d+$/.test(value) ? Number(value) : null);
        return;
      case '%%EndData':
      case '%%EndBinary':
        target.dataRegion(null);
        return;
      case '%%BeginNonPPDFeature:': {
        const copies = /^NumCopies\s+(\d+)/i.exec(value);
        if (copies) pages.setCopies(Number(copies[1]));
        return;
      }
      case '%%Requirements:':
        return this.requirements(value, target);
      case '%%DocumentMedia:':
        return this.documentMedia(value, target);
      case '%%PageMedia:':
        pages.setPaper(this.media.get(value) ?? mediaNameForKeyword(value));
        return;
      default:
    }
  }

  private ppdFeature(value: string, target: DscTarget): void {
    const [option = '', choice = ''] = value.split(/\s+/);
    if (option === '*Duplex') {
      const mode = DUPLEX_CHOICES[choice.toLowerCase()];
      if (mode) target.pages.setDuplex(mode[0], mode[1]);
    } else if (option === '*PageSize' || option === '*PageRegion') {
      target.pages.setPaper(paperForPpdChoice(choice));
    }
  }

  private requirements(value: string, target: DscTarget): void {
    for (const requirement of value.split(/\s+/)) {
      const copies = /^numcopies\((\d+)\)$/i.exec(requirement);
      if (copies) target.pages.setCopies(Number(copies[1]));
      else if (/^duplex$/i.test(requirement)) target.pages.setDuplex(true, false);
      else if (/^duplex\(tumble\)$/i.test(requirement)) target.pages.setDuplex(true, true);
    }
  }

  /** `name width height weight colour type`, width and height in points; the first medium is the default. */
  private documentMedia(value: string, target: DscTarget): void {
    const fields = value.split(/\s+/);
    const width = Number(fields[1]);
    const height = Number(fields[2]);
    if (!fields[0] || !(width > 0) || !(height > 0)) return;
    const paper = mediaNameForPoints(width, height);
    if (this.media.size === 0) target.pages.setDefaultPaper(paper);
    this.media.set(fields[0], paper);
  }

  private continuation(value: string, target: DscTarget): void {
    if (this.lastKeyword === '%%DocumentMedia:') this.documentMedia(value, target);
    else if (this.lastKeyword === '%%Requirements:') this.requirements(value, target);
  }
}
