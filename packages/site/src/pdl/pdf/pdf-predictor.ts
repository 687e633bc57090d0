/**
 * Undoes the PNG and TIFF predictors of FlateDecode/LZWDecode (§7.4.4.4). Xref streams always use PNG Up
 * (`/Predictor 12`), and images often use PNG predictors too; images are examined in chunks as they inflate, so the
 * decoder works row by row on chunks of any size and keeps only the previous row between chunks.
 */
import { asNumber, type PdfDict } from './pdf-objects';

/** Row geometry from a `/DecodeParms` dictionary. */
export interface PredictorParams {
  predictor: number;
  colors: number;
  bitsPerComponent: number;
  columns: number;
}

/** Reads predictor parameters with the spec's defaults; null when no predictor applies. */
export function predictorParams(parms: PdfDict | null): PredictorParams | null {
  if (!parms) return null;
  const predictor = asNumber(parms.get('Predictor')) ?? 1;
  if (predictor < 2) return null;
  const clamp = (value: number | undefined, fallback: number, max: number) =>
    value !== undefined && Number.isInteger(value) && value >= 1 && value <= max ? value : fallback;
  return {
    predictor,
    colors: clamp(asNumber(parms.get('Colors')), 1, 32),
    bitsPerComponent: clamp(asNumber(parms.get('BitsPerComponent')), 8, 16),
    columns: clamp(asNumber(parms.get('Columns')), 1, 1 << 24),
  };
}

function paeth(left: number, up: number, upLeft: number): number {
  const p = left + up - upLeft;
  const pa = Math.abs(p - left);
  const pb = Math.abs(p - up);
  const pc = Math.abs(p - upLeft);
  if (pa <= pb && pa <= pc) return left;
  return pb <= pc ? up : upLeft;
}

/** Streams predicted rows in, decoded rows out. */
export class Unpredictor {
  private readonly rowBytes: number;
  private readonly bytesPerPixel: number;
  private readonly png: boolean;
  private previous: Buffer;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly params: PredictorParams) {
    const bitsPerPixel = params.colors * params.bitsPerComponent;
    this.rowBytes = Math.ceil((bitsPerPixel * params.columns) / 8);
    this.bytesPerPixel = Math.max(1, Math.ceil(bitsPerPixel / 8));
    this.png = params.predictor >= 10;
    this.previous = Buffer.alloc(this.rowBytes);
  }

  /** Decodes the complete rows in `chunk` (plus bytes left over from the last call); keeps a partial row. */
  push(chunk: Buffer): Buffer {
    const input = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const stride = this.png ? this.rowBytes + 1 : this.rowBytes;
    const rows = Math.floor(input.length / stride);
    const out = Buffer.allocUnsafe(rows * this.rowBytes);
    for (let row = 0; row < rows; row += 1) {
      const target = out.subarray(row * this.rowBytes, (row + 1) * this.rowBytes);
      if (this.png)
        this.pngRow(input[row * stride], input.subarray(row * stride + 1, (row + 1) * stride), target);
      else this.tiffRow(input.subarray(row * stride, (row + 1) * stride), target);
      this.previous = target;
    }
    this.pending = Buffer.from(input.subarray(rows * stride));
    return out;
  }

  private pngRow(filter: number, src: Buffer, dst: Buffer): void {
    const bpp = this.bytesPerPixel;
    const up = this.previous;
    for (let i = 0; i < dst.length; i += 1) {
      const left = i >= bpp ? dst[i - bpp] : 0;
      const above = up[i];
      const upLeft = i >= bpp ? up[i - bpp] : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = above;
      else if (filter === 3) predicted = (left + above) >> 1;
      else if (filter === 4) predicted = paeth(left, above, upLeft);
      dst[i] = (src[i] + predicted) & 0xff;
    }
  }

  private tiffRow(src: Buffer, dst: Buffer): void {
    src.copy(dst);
    // TIFF predictor 2 on 8-bit samples; other depths are rare enough to pass through unchanged.
    if (this.params.bitsPerComponent !== 8) return;
    const colors = this.params.colors;
    for (let i = colors; i < dst.length; i += 1) dst[i] = (dst[i] + dst[i - colors]) & 0xff;
  }
}

/** Undoes the predictor over a whole buffer. */
export function unpredict(data: Buffer, params: PredictorParams): Buffer {
  return new Unpredictor(params).push(data);
}
