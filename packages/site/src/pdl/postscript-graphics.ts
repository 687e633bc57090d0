/**
 * Graphic operators of the PostScript analyser: the colour operators (which set the current colour's class,
 * see postscript-colour.ts), the painting operators (which paint the current page in that class), page ejection
 * (`showpage`, `copypage`) and the page device (`setpagedevice` with PageSize, Duplex, Tumble, NumCopies; the
 * Level 1 `statusdict` forms `a4`, `letter`, `setduplexmode`, `settumble`).
 *
 * A page is colour because something was painted in colour on it, not because a colour was set: drivers often
 * set a colour and then switch back before painting.
 */
import { mediaNameForPoints, mediaNameForKeyword } from './media';
import {
  classifyColour,
  type ColourClass,
  type ColourSpace,
  deviceNSpace,
  GRAY_SPACE,
  CMYK_SPACE,
  hsbClass,
  indexedSpace,
  initialColour,
  PATTERN_SPACE,
  RGB_SPACE,
  separationSpace,
  spaceForComponentCount,
  spaceForName,
  UNKNOWN_SPACE,
} from './postscript-colour';
import {
  asNumber,
  type Builtin,
  dictGet,
  type GraphicsState,
  isArray,
  isDict,
  isName,
  numberArray,
  type PsMachine,
  type PsValue,
} from './postscript-values';

/** Turns references into values (PDF objects in ps2write output); the identity for plain PostScript. */
export type Resolver = (value: PsValue | undefined) => PsValue | undefined;

const identity: Resolver = (value) => value;

/** The graphics state after `initgraphics`: black in DeviceGray. */
export function initialGraphics(): GraphicsState {
  const black = { space: GRAY_SPACE, cls: 'gray' as ColourClass };
  return { fill: black, stroke: black };
}

function nameOf(value: PsValue | undefined): string | null {
  return value !== undefined && isName(value) ? value.v : null;
}

function stringBytes(value: PsValue | undefined): Buffer | null {
  const isString = value !== null && value !== undefined && typeof value === 'object' && value.k === 'string';
  return isString && value.content !== null ? Buffer.from(value.content, 'latin1') : null;
}

/** The colour space a `setcolorspace`/`cs` operand or an image's ColorSpace entry denotes. */
export function spaceFromValue(
  value: PsValue | undefined,
  resolve: Resolver = identity,
  depth = 0,
): ColourSpace {
  const resolved = resolve(value);
  const name = nameOf(resolved);
  if (name !== null) return spaceForName(name) ?? UNKNOWN_SPACE;
  if (resolved === undefined || !isArray(resolved) || resolved.items.length === 0 || depth > 4)
    return UNKNOWN_SPACE;
  const [family, ...params] = resolved.items.map((item) => resolve(item) ?? null);
  switch (nameOf(family)) {
    case 'Indexed':
    case 'I':
      return indexedSpace(spaceFromValue(params[0], resolve, depth + 1), stringBytes(params[2]));
    case 'ICCBased': {
      const count = asNumber(dictGet(params[0] ?? undefined, 'N'));
      return count === null ? UNKNOWN_SPACE : spaceForComponentCount(count);
    }
    case 'Separation':
      return separationSpace(nameOf(params[0]) ?? 'unknown');
    case 'DeviceN': {
      const inks =
        params[0] !== null && isArray(params[0]) ? params[0].items.map((ink) => nameOf(ink) ?? '?') : [];
      return inks.length > 0 ? deviceNSpace(inks) : UNKNOWN_SPACE;
    }
    case 'Pattern':
      return PATTERN_SPACE;
    default:
      return spaceForName(nameOf(family) ?? '') ?? UNKNOWN_SPACE;
  }
}

/** The class of a shading dictionary: its colour space, and for an axial/radial blend of two greys, grey. */
export function shadingClass(shading: PsValue | undefined, resolve: Resolver = identity): ColourClass {
  const dict = resolve(shading);
  if (dict === undefined || !isDict(dict)) return 'unknown';
  const space = spaceFromValue(dict.map.get('ColorSpace'), resolve);
  if (space.kind === 'gray') return 'gray';
  const fn = resolve(dict.map.get('Function'));
  const c0 = numberArray(resolve(dictGet(fn, 'C0')));
  const c1 = numberArray(resolve(dictGet(fn, 'C1')));
  if (c0 && c1) {
    const ends = [classifyColour(space, c0), classifyColour(space, c1)];
    if (ends.includes('color')) return 'color';
    return ends.every((cls) => cls === 'gray') ? 'gray' : 'unknown';
  }
  return space.kind === 'unknown' || space.kind === 'pattern' ? 'unknown' : 'color';
}

/** Sets the current colour (fill and stroke alike, as PostScript has one). */
function setColour(ps: PsMachine, space: ColourSpace, cls: ColourClass): void {
  const paint = { space, cls };
  ps.graphics = { fill: paint, stroke: paint };
}

/** Marks the page with `cls`; a paint in a branch that may not run can only make the page's colour unknown. */
export function paintWith(ps: PsMachine, cls: ColourClass): void {
  ps.pages.paint(ps.speculative && cls !== 'gray' ? 'unknown' : cls);
}

function painter(operands: (ps: PsMachine) => void): Builtin {
  return (ps) => {
    operands(ps);
    paintWith(ps, ps.graphics.fill.cls);
  };
}

/** Pops the operands of rectfill/rectstroke: x y w h, or one array/string of numbers (plus an optional matrix). */
function popRectangles(ps: PsMachine): void {
  const top = ps.stack[ps.stack.length - 1];
  if (typeof top === 'number') ps.popMany(4);
  else ps.pop();
}

function eject(ps: PsMachine, erase: boolean): void {
  if (ps.speculative) {
    ps.pages.undecidable(`a page is ejected inside ${ps.speculationReason}`);
    return;
  }
  ps.pages.eject(erase);
  if (erase) ps.graphics = initialGraphics();
}

/** Applies the page-device keys the analyser reads from a `setpagedevice` dictionary. */
function applyPageDevice(ps: PsMachine, request: PsValue): void {
  if (!isDict(request)) return;
  const size = numberArray(request.map.get('PageSize'));
  if (size && size[0] !== null && size[1] !== null && size[0] > 0 && size[1] > 0) {
    ps.pages.setPaper(mediaNameForPoints(size[0], size[1]));
  }
  const duplex = request.map.get('Duplex');
  const tumble = request.map.get('Tumble');
  ps.pages.setDuplex(
    typeof duplex === 'boolean' ? duplex : null,
    typeof tumble === 'boolean' ? tumble : null,
  );
  const copies = asNumber(request.map.get('NumCopies'));
  if (copies !== null && copies >= 1) ps.pages.setCopies(Math.floor(copies));
}

function paperOperator(keyword: string): Builtin {
  return (ps) => ps.pages.setPaper(mediaNameForKeyword(keyword));
}

const COLOUR: Record<string, Builtin> = {
  setgray: (ps) => {
    ps.pop();
    setColour(ps, GRAY_SPACE, 'gray');
  },
  setrgbcolor: (ps) =>
    setColour(
      ps,
      RGB_SPACE,
      classifyColour(
        RGB_SPACE,
        ps.popMany(3).map((v) => asNumber(v)),
      ),
    ),
  setcmykcolor: (ps) =>
    setColour(
      ps,
      CMYK_SPACE,
      classifyColour(
        CMYK_SPACE,
        ps.popMany(4).map((v) => asNumber(v)),
      ),
    ),
  sethsbcolor: (ps) => {
    const [h, s, b] = ps.popMany(3).map((v) => asNumber(v));
    setColour(ps, RGB_SPACE, hsbClass(h, s, b));
  },
  setcolorspace: (ps) => {
    const space = spaceFromValue(ps.pop());
    setColour(ps, space, initialColour(space));
  },
  setcolor: (ps) => {
    const space = ps.graphics.fill.space;
    if (space.kind === 'pattern' || space.kind === 'unknown') {
      ps.clearToMark();
      return setColour(ps, space, 'unknown');
    }
    setColour(
      ps,
      space,
      classifyColour(
        space,
        ps.popMany(space.comps).map((v) => asNumber(v)),
      ),
    );
  },
  setpattern: (ps) => {
    ps.pop();
    setColour(ps, PATTERN_SPACE, 'unknown');
  },
  gsave: (ps) => ps.gsave(),
  grestore: (ps) => ps.grestore(),
  initgraphics: (ps) => void (ps.graphics = initialGraphics()),
};

const PAINTING: Record<string, Builtin> = {
  fill: painter(() => undefined),
  eofill: painter(() => undefined),
  stroke: painter(() => undefined),
  rectfill: painter(popRectangles),
  rectstroke: painter(popRectangles),
  ufill: painter((ps) => void ps.pop()),
  ueofill: painter((ps) => void ps.pop()),
  ustroke: painter((ps) => void ps.pop()),
  show: painter((ps) => void ps.pop()),
  ashow: painter((ps) => void ps.popMany(3)),
  widthshow: painter((ps) => void ps.popMany(4)),
  awidthshow: painter((ps) => void ps.popMany(6)),
  kshow: painter((ps) => void ps.popMany(2)),
  xshow: painter((ps) => void ps.popMany(2)),
  yshow: painter((ps) => void ps.popMany(2)),
  xyshow: painter((ps) => void ps.popMany(2)),
  glyphshow: painter((ps) => void ps.pop()),
  cshow: painter((ps) => void ps.popMany(2)),
  shfill: (ps) => paintWith(ps, shadingClass(ps.pop())),
};

const PAGES: Record<string, Builtin> = {
  showpage: (ps) => eject(ps, true),
  copypage: (ps) => eject(ps, false),
  setpagedevice: (ps) => {
    applyPageDevice(ps, ps.pop());
    ps.graphics = initialGraphics();
  },
  setduplexmode: (ps) => {
    const duplex = ps.pop();
    ps.pages.setDuplex(typeof duplex === 'boolean' ? duplex : null, null);
  },
  settumble: (ps) => {
    const tumble = ps.pop();
    ps.pages.setDuplex(null, typeof tumble === 'boolean' ? tumble : null);
  },
  a3: paperOperator('a3'),
  a4: paperOperator('a4'),
  a5: paperOperator('a5'),
  b5: paperOperator('b5'),
  letter: paperOperator('letter'),
  legal: paperOperator('legal'),
  ledger: paperOperator('ledger'),
  '11x17': paperOperator('ledger'),
};

/** Every graphic operator the analyser models, by name. */
export const GRAPHICS_OPERATORS: Record<string, Builtin> = { ...COLOUR, ...PAINTING, ...PAGES };
