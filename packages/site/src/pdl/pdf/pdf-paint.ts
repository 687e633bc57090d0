/**
 * The vocabulary of the colour analysis: colour states (what the current fill or stroke colour would put on
 * paper), marks (what a scan saw painted), and the {@link PaintResolver} through which the content scanner asks
 * about resources. States and marks are small integers because the scanner handles them for every operator.
 *
 * A form XObject is scanned once and cached, so its verdict cannot depend on the colour in force where it is
 * painted; painting with the colour a form inherits is therefore recorded as a mark of its own
 * (`MARK_INHERITED_FILL`/`STROKE`) and resolved where the form is painted ({@link combineMarks}).
 */
import type { ColourSpace, Tri } from './pdf-colour';
import type { InlineImage } from './pdf-inline-image';

/** Colour states of the fill or stroke colour. */
export const MONO = 0;
export const COLOUR = 1;
export const UNKNOWN = 2;
export const INHERITED_FILL = 3;
export const INHERITED_STROKE = 4;

/** Bits of a scan's result: what was painted. */
export const MARK_COLOUR = 1;
export const MARK_UNKNOWN = 2;
export const MARK_INHERITED_FILL = 4;
export const MARK_INHERITED_STROKE = 8;

/** The mark painting with each colour state leaves. */
export const MARK_OF_STATE = [0, MARK_COLOUR, MARK_UNKNOWN, MARK_INHERITED_FILL, MARK_INHERITED_STROKE];

/** What an XObject paints. */
export type XObjectPaint =
  { kind: 'image'; state: number } | { kind: 'stencil' } | { kind: 'form'; marks: number } | { kind: 'none' };

/** Resource-dependent decisions the scanner delegates. */
export interface PaintResolver {
  colourSpace(name: string): Promise<ColourSpace>;
  /** The colour state of `scn` with a pattern name (operands before it are for uncoloured patterns). */
  pattern(name: string, operands: number[], base: ColourSpace | null): Promise<number>;
  xobject(name: string): Promise<XObjectPaint>;
  shading(name: string): Promise<number>;
  /** The colour state an inline image paints with, or 'stencil' for an image mask (it paints the fill colour). */
  inlineImage(image: InlineImage): Promise<number | 'stencil'>;
  /** Reports a problem with the content itself (it could not be scanned to the end). */
  warn(message: string): void;
}

/** The colour state of a tri-state verdict. */
export function stateOf(verdict: Tri): number {
  return verdict === null ? UNKNOWN : verdict ? COLOUR : MONO;
}

/** The marks of a form scanned with inherited colours, once the inheriting colour states are known. */
export function combineMarks(marks: number, fill: number, stroke: number): number {
  let result = marks & (MARK_COLOUR | MARK_UNKNOWN);
  if (marks & MARK_INHERITED_FILL) result |= MARK_OF_STATE[fill];
  if (marks & MARK_INHERITED_STROKE) result |= MARK_OF_STATE[stroke];
  return result;
}
