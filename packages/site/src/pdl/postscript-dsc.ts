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

type Handler = (reader: DscReader, value: string, target: DscTarget) => void;

/**
 * What the reader does per keyword. Every other line is inert: it only becomes the keyword a `%%+` line
 * continues (see {@link isInertDscLine}), so the table is the one list of the keywords that act.
 */
const HANDLERS: Record<string, Handler> = {
  '%%BeginDocument:': (reader) => void (reader.embedDepth += 1),
  '%%BeginDocument': (reader) => void (reader.embedDepth += 1),
  '%%EndDocument': (reader) => void (reader.embedDepth = Math.max(0, reader.embedDepth - 1)),
  '%%Pages:': (reader, value) => {
    const count = /^\d+/.exec(value);
    if (count && reader.embedDepth === 0) reader.declaredPages = Number(count[0]);
  },
  '%%Page:': (reader, _value, target) => {
    if (reader.embedDepth === 0) target.pages.dscPageStart();
  },
  '%%Trailer': (reader, _value, target) => reader.end(target, false),
  '%%EOF': (reader, _value, target) => reader.end(target, true),
  '%%Creator:': (reader, value, target) => {
    if (/\bps2write\b/.test(value) && reader.embedDepth === 0) target.enablePs2Write();
  },
  '%%BeginFeature:': (reader, value, target) => reader.ppdFeature(value, target),
  '%%IncludeFeature:': (reader, value, target) => reader.ppdFeature(value, target),
  '%%BeginData:': (_reader, value, target) => {
    const [count, , unit = 'Bytes'] = value.split(/\s+/);
    target.dataRegion(/^\d+$/.test(count) && unit === 'Bytes' ? Number(count) : null);
  },
  '%%BeginBinary:': (_reader, value, target) => target.dataRegion(/^\d+$/.test(value) ? Number(value) : null),
  '%%EndData': (_reader, _value, target) => target.dataRegion(null),
  '%%EndBinary': (_reader, _value, target) => target.dataRegion(null),
  '%%BeginNonPPDFeature:': (_reader, value, target) => {
    const copies = /^NumCopies\s+(\d+)/i.exec(value);
    if (copies) target.pages.setCopies(Number(copies[1]));
  },
  '%%Requirements:': (reader, value, target) => reader.requirements(value, target),
  '%%DocumentMedia:': (reader, value, target) => reader.documentMedia(value, target),
  '%%PageMedia:': (reader, value, target) => reader.pageMedia(value, target),
};

const CONTINUATION = '%%+';
const CONFORMING_HEADER = '%!PS-Adobe-';

/**
 * True when handing `line` to a {@link DscReader} can change nothing but the keyword a later `%%+` line continues
 * (and mark the first line as seen), whatever state the reader is in: a keyword the reader does not act on, and
 * not a continuation line or a conforming header, whose effect depends on where they stand.
 */
export function isInertDscLine(line: string): boolean {
  if (line.startsWith(CONFORMING_HEADER)) return false;
  const { keyword } = splitComment(line);
  return keyword !== CONTINUATION && !Object.hasOwn(HANDLERS, keyword);
}

/** See the file comment. Feed it every DSC line with {@link handle}. */
export class DscReader {
  conforming = false;
  /** The `%%Pages:` value, the trailer's replacing the header's; null when absent or `(atend)` unresolved. */
  declaredPages: number | null = null;
  /** True once `%%EOF` was read outside an embedded document: a conforming job missing it may be truncated. */
  sawEof = false;
  /** `%%BeginDocument` sections open: their pages are not pages of this job. */
  embedDepth = 0;
  private seenFirst = false;
  private lastKeyword = '';
  private readonly media = new Map<string, string>();

  handle(line: string, target: DscTarget): void {
    if (!this.seenFirst) {
      this.seenFirst = true;
      if (line.startsWith(CONFORMING_HEADER)) this.conforming = true;
    }
    const { keyword, value } = splitComment(line);
    if (keyword === CONTINUATION) return this.continuation(value, target);
    this.lastKeyword = keyword;
    if (Object.hasOwn(HANDLERS, keyword)) HANDLERS[keyword](this, value, target);
  }

  /** `%%Trailer` or `%%EOF` (`eof`): the last page ends. */
  end(target: DscTarget, eof: boolean): void {
    if (this.embedDepth !== 0) return;
    target.pages.dscEnd();
    if (eof) this.sawEof = true;
  }

  /** `*Duplex` and `*PageSize`/`*PageRegion` choices of a PPD feature comment. */
  ppdFeature(value: string, target: DscTarget): void {
    const [option = '', choice = ''] = value.split(/\s+/);
    if (option === '*Duplex') {
      const mode = DUPLEX_CHOICES[choice.toLowerCase()];
      if (mode) target.pages.setDuplex(mode[0], mode[1]);
    } else if (option === '*PageSize' || option === '*PageRegion') {
      target.pages.setPaper(paperForPpdChoice(choice));
    }
  }

  /** `%%Requirements:` copies and duplex. */
  requirements(value: string, target: DscTarget): void {
    for (const requirement of value.split(/\s+/)) {
      const copies = /^numcopies\((\d+)\)$/i.exec(requirement);
      if (copies) target.pages.setCopies(Number(copies[1]));
      else if (/^duplex$/i.test(requirement)) target.pages.setDuplex(true, false);
      else if (/^duplex\(tumble\)$/i.test(requirement)) target.pages.setDuplex(true, true);
    }
  }

  /** `name width height weight colour type`, width and height in points; the first medium is the default. */
  documentMedia(value: string, target: DscTarget): void {
    const fields = value.split(/\s+/);
    const width = Number(fields[1]);
    const height = Number(fields[2]);
    if (!fields[0] || !(width > 0) || !(height > 0)) return;
    const paper = mediaNameForPoints(width, height);
    if (this.media.size === 0) target.pages.setDefaultPaper(paper);
    this.media.set(fields[0], paper);
  }

  /** `%%PageMedia:`: a page's paper, by a medium `%%DocumentMedia` named, or by a paper keyword. */
  pageMedia(value: string, target: DscTarget): void {
    target.pages.setPaper(this.media.get(value) ?? mediaNameForKeyword(value));
  }

  private continuation(value: string, target: DscTarget): void {
    if (this.lastKeyword === '%%DocumentMedia:') this.documentMedia(value, target);
    else if (this.lastKeyword === '%%Requirements:') this.requirements(value, target);
  }
}
