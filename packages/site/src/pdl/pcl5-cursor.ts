/**
 * The vertical position of the PCL 5 cursor, kept only because line feeds past the bottom of the text area
 * eject pages by themselves: plain text jobs from ERP systems and line printers carry no form feeds, so their
 * page count is the number of lines over the lines per page. The rules are those of ghostpcl
 * (pcl/pcl/pcursor.c, after HP's PCL 5 Technical Reference): positions in centipoints (1/7200 inch), a line is
 * the VMI (6 lines per inch by default), the text area starts at the top margin (1/2 inch) and is the page
 * length minus 1/2 inch at the bottom; with perforation skip on (the default) a line feed below the text area
 * ejects the page, with it off only one below the page does.
 */

const INCH = 7200;
const DEFAULT_VMI = INCH / 6;
const DEFAULT_MARGIN = INCH / 2;
const MAX_EJECTS_PER_MOVE = 1000;

/** The cursor's vertical state, with the margins and line spacing that govern implicit page ejects. */
export class TextCursor {
  private pageHeight = 11 * INCH;
  private vmi = DEFAULT_VMI;
  private top = DEFAULT_MARGIN;
  private textLength = 0;
  private perforationSkip = true;
  private y = 0;
  /** True once a command moved the cursor on this page (a top margin then no longer homes it). */
  private moved = false;

  constructor() {
    this.setPage(this.pageHeight);
  }

  /** A new logical page of `height` centipoints (paper size, orientation or reset): default margins, home. */
  setPage(height: number, resetSpacing = false): void {
    this.pageHeight = height;
    if (resetSpacing) this.vmi = DEFAULT_VMI;
    this.resetMargins();
    this.home();
  }

  /** `ESC E`: every setting back to its default on a page of `height` centipoints. */
  reset(height: number): void {
    this.vmi = DEFAULT_VMI;
    this.perforationSkip = true;
    this.setPage(height);
  }

  private resetMargins(): void {
    this.top = this.pageHeight > DEFAULT_MARGIN ? DEFAULT_MARGIN : 0;
    this.textLength = this.lengthBelow(this.top);
  }

  private lengthBelow(top: number): number {
    const room = this.pageHeight - top;
    return room > DEFAULT_MARGIN ? room - DEFAULT_MARGIN : room;
  }

  private get homeY(): number {
    return this.top + (3 * this.vmi) / 4;
  }

  /** The first line of the page (after a form feed or an eject). */
  home(): void {
    this.y = this.homeY;
    this.moved = false;
  }

  /** `ESC &l#C` (1/48 inch units) or `ESC &l#D` (lines per inch, given as `perInch`). */
  setVmi(centipoints: number): void {
    const atHome = this.y === this.homeY;
    if (centipoints >= 0 && centipoints <= this.pageHeight) this.vmi = centipoints;
    if (atHome) this.home();
  }

  /** `ESC &l#E`: top margin in lines; the text length follows. */
  setTopMargin(lines: number, pageMarked: boolean): void {
    const top = lines * this.vmi;
    if (this.vmi === 0 || top > this.pageHeight || top < 0) return;
    this.top = top;
    this.textLength = this.lengthBelow(top);
    if (!pageMarked && !this.moved) this.home();
  }

  /** `ESC &l#F`: text length in lines (0: to 1/2 inch above the bottom). */
  setTextLength(lines: number): void {
    let length = lines * this.vmi;
    if (length === 0) {
      length = this.pageHeight - this.top - DEFAULT_MARGIN;
      if (length < 0) length += DEFAULT_MARGIN;
    }
    if (length >= 0 && this.top + length <= this.pageHeight) this.textLength = length;
  }

  /** `ESC &l#L`. */
  setPerforationSkip(on: boolean): void {
    this.perforationSkip = on;
  }

  /** Line feed (`rows` 1) or half line feed (0.5). Returns the number of pages it ejects. */
  lineFeed(rows: number): number {
    this.moved = true;
    return this.moveDown(rows * this.vmi, this.perforationSkip);
  }

  /** `ESC &a#R`: absolute row, or relative when signed (a relative move down may eject pages). */
  moveRows(rows: number, relative: boolean): number {
    this.moved = true;
    if (!relative) {
      this.y = this.clamp(this.homeY + rows * this.vmi);
      return 0;
    }
    // As on HP printers, a relative move reaches at most the next page's bottom.
    const limit = 2 * this.pageHeight - this.y;
    const distance = rows * this.vmi;
    return this.moveDown(distance < limit ? distance : limit + this.homeY, false);
  }

  /** `ESC &a#V` (decipoints) or `ESC *p#Y` (units), already converted to centipoints: never ejects. */
  moveTo(centipoints: number, relative: boolean): void {
    this.moved = true;
    this.y = this.clamp(relative ? this.y + centipoints : this.top + centipoints);
  }

  /** Raster rows moved the cursor down by `centipoints`. */
  advance(centipoints: number): void {
    this.y = this.clamp(this.y + centipoints);
  }

  private clamp(y: number): number {
    return y < 0 ? 0 : Math.min(y, this.pageHeight);
  }

  private moveDown(distance: number, useMargins: boolean): number {
    let y = this.y + distance;
    const max = useMargins ? this.top + this.textLength : this.pageHeight;
    if (y < 0) {
      this.y = 0;
      return 0;
    }
    if (y <= max) {
      this.y = y;
      return 0;
    }
    let ejects = 0;
    let previous = this.y;
    while (y > max && ejects < MAX_EJECTS_PER_MOVE) {
      ejects += 1;
      y -= previous <= max ? max : previous;
      previous = useMargins ? this.homeY : (3 * this.vmi) / 4;
      if (this.vmi === 0 || y <= this.vmi) {
        y = previous;
        break;
      }
      y += previous - 1 - ((y - 1) % this.vmi);
    }
    this.y = y;
    this.moved = false;
    return ejects;
  }
}
