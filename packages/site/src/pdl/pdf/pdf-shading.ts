/**
 * Shadings (`sh`, shading patterns; §8.7.4.5). A shading in a grey space is mono. In a colour space, a shading
 * whose colours come from Type 2 (exponential) and Type 3 (stitching) functions is evaluated at nine points across
 * its domain, which decides the common black-to-white gradient written in DeviceRGB; between two grey end points a
 * Type 2 function stays grey, so the sampling does not miss colour there. Shadings with sampled (Type 0) or
 * PostScript (Type 4) functions, and mesh shadings with per-vertex colours, are taken as colour when their space
 * can be colour.
 */
import { type ColourSpace, type NamedLookup, readColourSpace } from './pdf-colour';
import { COLOUR, MONO, stateOf, UNKNOWN } from './pdf-paint';
import type { PdfDocument } from './pdf-document';
import { asArray, asDict, asNumber, type PdfObject } from './pdf-objects';

const SAMPLE_POINTS = 9;
const MAX_FUNCTION_DEPTH = 4;

async function numbers(doc: PdfDocument, value: PdfObject | undefined): Promise<number[] | undefined> {
  const array = asArray(await doc.resolve(value));
  if (!array) return undefined;
  const out: number[] = [];
  for (const item of array) out.push(asNumber(await doc.resolve(item)) ?? 0);
  return out;
}

/** Evaluates a Type 2 or Type 3 function at `t`; null for any other type. */
async function evaluate(doc: PdfDocument, fn: PdfObject, t: number, depth: number): Promise<number[] | null> {
  const dict = asDict(await doc.resolve(fn));
  if (!dict || depth > MAX_FUNCTION_DEPTH) return null;
  const type = asNumber(await doc.resolve(dict.get('FunctionType')));
  const [d0, d1] = (await numbers(doc, dict.get('Domain'))) ?? [0, 1];
  const x = Math.max(Math.min(d0, d1), Math.min(Math.max(d0, d1), t));
  if (type === 2) {
    const c0 = (await numbers(doc, dict.get('C0'))) ?? [0];
    const c1 = (await numbers(doc, dict.get('C1'))) ?? [1];
    const n = asNumber(await doc.resolve(dict.get('N'))) ?? 1;
    const power = x <= 0 && n <= 0 ? 1 : Math.pow(x, n);
    return c0.map((c, i) => c + power * ((c1[i] ?? 0) - c));
  }
  if (type !== 3) return null;
  const functions = asArray(await doc.resolve(dict.get('Functions'))) ?? [];
  const bounds = (await numbers(doc, dict.get('Bounds'))) ?? [];
  const encode = (await numbers(doc, dict.get('Encode'))) ?? [];
  let k = 0;
  while (k < bounds.length && x >= bounds[k]) k += 1;
  const low = k === 0 ? d0 : bounds[k - 1];
  const high = k === bounds.length ? d1 : bounds[k];
  const [e0, e1] = [encode[2 * k] ?? 0, encode[2 * k + 1] ?? 1];
  const mapped = high === low ? e0 : e0 + ((x - low) * (e1 - e0)) / (high - low);
  return functions[k] === undefined ? null : evaluate(doc, functions[k], mapped, depth + 1);
}

/** The colours a shading's function(s) produce at evenly spaced points of its domain, or null if unsupported. */
async function sampleColours(doc: PdfDocument, fn: PdfObject, domain: number[]): Promise<number[][] | null> {
  const functions = Array.isArray(fn) ? fn : [fn];
  const [t0, t1] = [domain[0] ?? 0, domain[1] ?? 1];
  const samples: number[][] = [];
  for (let i = 0; i < SAMPLE_POINTS; i += 1) {
    const t = t0 + ((t1 - t0) * i) / (SAMPLE_POINTS - 1);
    const colour: number[] = [];
    for (const f of functions) {
      const out = await evaluate(doc, f, t, 0);
      if (!out) return null;
      // With one function per component each contributes its first output.
      colour.push(...(functions.length > 1 ? out.slice(0, 1) : out));
    }
    samples.push(colour);
  }
  return samples;
}

function verdictOf(space: ColourSpace, samples: number[][]): number {
  let unknown = false;
  for (const sample of samples) {
    const verdict = space.colourOf(sample);
    if (verdict === true) return COLOUR;
    if (verdict === null) unknown = true;
  }
  return unknown ? UNKNOWN : MONO;
}

/** The colour state a shading paints with. */
export async function shadingState(
  doc: PdfDocument,
  shading: PdfObject | undefined,
  lookupNamed: NamedLookup,
): Promise<number> {
  const dict = asDict(await doc.resolve(shading));
  if (!dict) return MONO;
  const space = await readColourSpace(doc, dict.get('ColorSpace') ?? null, lookupNamed);
  if (space.canBeColour !== true) return stateOf(space.canBeColour);
  const fn = await doc.resolve(dict.get('Function'));
  const type = asNumber(await doc.resolve(dict.get('ShadingType')));
  // Types 2 and 3 (axial, radial) have a one-input function; the others we do not evaluate.
  if (fn === null || (type !== 2 && type !== 3)) return COLOUR;
  const samples = await sampleColours(doc, fn, (await numbers(doc, dict.get('Domain'))) ?? [0, 1]);
  return samples ? verdictOf(space, samples) : COLOUR;
}
