/**
 * The PostScript analyser's non-graphic operators: operand stack, arithmetic and comparison (so loop counts and
 * conditions computed from literals are known), dictionaries (so procedures defined with `def`, `put`, `store`,
 * inside `begin`/`end` and `save`/`restore`, are found when called), arrays, and `currentfile`/`filter` (so image
 * data read from the program text can be skipped). Results the analyser cannot compute are null (unknown).
 */
import { CONTROL_OPERATORS } from './postscript-control';
import { LiteralDict } from './postscript-dicts';
import {
  asNumber,
  type Builtin,
  dictGet,
  isArray,
  isDict,
  isMark,
  isProc,
  keyOf,
  MARK,
  type PsDict,
  type PsMachine,
  type PsValue,
} from './postscript-values';

/** Entries kept per array or dictionary built by the job; the rest are dropped (their values are unknown). */
const MAX_COLLECTION_ITEMS = 4096;
const MAX_EMPTY_ARRAY_SLOTS = 256;

const opaqueDicts = new Map<string, PsDict>();
function opaqueDict(name: string): PsDict {
  let dict = opaqueDicts.get(name);
  if (!dict) {
    dict = { k: 'dict', map: new Map(), opaque: true };
    opaqueDicts.set(name, dict);
  }
  return dict;
}

function arithmetic(combine: (a: number, b: number) => number): Builtin {
  return (ps) => {
    const b = ps.popNumber();
    const a = ps.popNumber();
    const result = a === null || b === null ? null : combine(a, b);
    ps.push(result !== null && Number.isFinite(result) ? result : null);
  };
}

function unary(apply: (a: number) => number): Builtin {
  return (ps) => {
    const a = ps.popNumber();
    const result = a === null ? null : apply(a);
    ps.push(result !== null && Number.isFinite(result) ? result : null);
  };
}

function compare(test: (a: number, b: number) => boolean): Builtin {
  return (ps) => {
    const b = ps.popNumber();
    const a = ps.popNumber();
    ps.push(a === null || b === null ? null : test(a, b));
  };
}

/** Equality of two operands, or null when either is unknown or not a simple value. */
function equals(a: PsValue, b: PsValue): boolean | null {
  if (a === null || b === null) return null;
  if (typeof a === 'number' || typeof a === 'boolean') return typeof a === typeof b ? a === b : false;
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka !== null && kb !== null ? ka === kb : null;
}

function logical(
  combineBool: (a: boolean, b: boolean) => boolean,
  combineInt: (a: number, b: number) => number,
): Builtin {
  return (ps) => {
    const b = ps.pop();
    const a = ps.pop();
    if (typeof a === 'boolean' && typeof b === 'boolean') ps.push(combineBool(a, b));
    else if (typeof a === 'number' && typeof b === 'number') ps.push(combineInt(a, b));
    else ps.push(null);
  };
}

function pushN(ps: PsMachine, values: PsValue[]): void {
  for (const value of values) ps.push(value);
}

const STACK: Record<string, Builtin> = {
  pop: (ps) => void ps.pop(),
  exch: (ps) => {
    const [a, b] = ps.popMany(2);
    pushN(ps, [b, a]);
  },
  dup: (ps) => {
    const a = ps.pop();
    pushN(ps, [a, a]);
  },
  copy: (ps) => {
    const top = ps.pop();
    const n = asNumber(top);
    if (n === null) {
      // Composite form (`dict1 dict2 copy`) returns its second operand.
      ps.pop();
      ps.push(top);
      return;
    }
    const count = Math.max(0, Math.min(Math.floor(n), ps.stack.length));
    pushN(ps, ps.stack.slice(ps.stack.length - count));
  },
  index: (ps) => {
    const n = ps.popNumber();
    ps.push(
      n === null || n < 0 || n >= ps.stack.length ? null : ps.stack[ps.stack.length - 1 - Math.floor(n)],
    );
  },
  roll: (ps) => {
    const shift = ps.popNumber();
    const n = ps.popNumber();
    if (n === null || shift === null || n <= 0 || n > ps.stack.length) return;
    const items = ps.popMany(n);
    const by = ((Math.floor(shift) % n) + n) % n;
    pushN(ps, [...items.slice(n - by), ...items.slice(0, n - by)]);
  },
  clear: (ps) => void (ps.stack.length = 0),
  count: (ps) => ps.push(null),
  mark: (ps) => ps.push(MARK),
  '[': (ps) => ps.push(MARK),
  '<<': (ps) => ps.push(MARK),
  cleartomark: (ps) => {
    ps.clearToMark();
    ps.pop();
  },
  counttomark: (ps) => ps.push(null),
};

const ARITHMETIC: Record<string, Builtin> = {
  add: arithmetic((a, b) => a + b),
  sub: arithmetic((a, b) => a - b),
  mul: arithmetic((a, b) => a * b),
  div: arithmetic((a, b) => a / b),
  idiv: arithmetic((a, b) => Math.trunc(a / b)),
  mod: arithmetic((a, b) => a % b),
  neg: unary((a) => -a),
  abs: unary(Math.abs),
  ceiling: unary(Math.ceil),
  floor: unary(Math.floor),
  round: unary(Math.round),
  truncate: unary(Math.trunc),
  cvi: unary(Math.trunc),
  cvr: unary((a) => a),
  sqrt: unary(Math.sqrt),
  eq: (ps) => {
    const [a, b] = ps.popMany(2);
    ps.push(equals(a, b));
  },
  ne: (ps) => {
    const [a, b] = ps.popMany(2);
    const same = equals(a, b);
    ps.push(same === null ? null : !same);
  },
  gt: compare((a, b) => a > b),
  ge: compare((a, b) => a >= b),
  lt: compare((a, b) => a < b),
  le: compare((a, b) => a <= b),
  and: logical(
    (a, b) => a && b,
    (a, b) => a & b,
  ),
  or: logical(
    (a, b) => a || b,
    (a, b) => a | b,
  ),
  xor: logical(
    (a, b) => a !== b,
    (a, b) => a ^ b,
  ),
  not: (ps) => {
    const a = ps.pop();
    ps.push(typeof a === 'boolean' ? !a : typeof a === 'number' ? ~a : null);
  },
  true: (ps) => ps.push(true),
  false: (ps) => ps.push(false),
  null: (ps) => ps.push(null),
};

/** Pops the operands above the topmost mark, and the mark; returns at most the first MAX_COLLECTION_ITEMS. */
function popToMark(ps: PsMachine): PsValue[] {
  let at = ps.stack.length;
  while (at > 0 && !isMark(ps.stack[at - 1])) at -= 1;
  const items = ps.stack.slice(at, Math.min(ps.stack.length, at + MAX_COLLECTION_ITEMS));
  ps.stack.length = Math.max(0, at - 1);
  return items;
}

function endArray(ps: PsMachine): void {
  ps.push({ k: 'array', items: popToMark(ps) });
}

function endDict(ps: PsMachine): void {
  const pairs: Array<string | PsValue> = popToMark(ps);
  for (let i = 0; i < pairs.length; i += 2) pairs[i] = keyOf(pairs[i] as PsValue);
  ps.push(new LiteralDict(pairs));
}

/** `get` on a dictionary, array or the system dictionary. */
function getFrom(ps: PsMachine, container: PsValue, key: PsValue): PsValue {
  if (isDict(container)) {
    const name = keyOf(key);
    if (name === null || container.opaque) return null;
    if (container.system) return ps.isOperator(name) ? { k: 'op', v: name } : null;
    return container.map.get(name) ?? null;
  }
  const index = asNumber(key);
  if ((isArray(container) || isProc(container)) && index !== null) {
    const items = isArray(container) ? container.items : container.body;
    return items[Math.floor(index)] ?? null;
  }
  return null;
}

/**
 * Reads SubFileDecode's parameters (`count string` or a dictionary). Data ending at an EOD string with a count of
 * 0 becomes `SubFileDecode:<string>`, so the image operators can skip to that string.
 */
function subFileFilter(ps: PsMachine): string {
  const top = ps.stack[ps.stack.length - 1] ?? null;
  const [count, eod] = isDict(top) ? [dictGet(top, 'EODCount'), dictGet(top, 'EODString')] : ps.popMany(2);
  const marker = eod !== undefined ? keyOf(eod) : null;
  return asNumber(count) === 0 && marker ? `SubFileDecode:${marker}` : 'SubFileDecode';
}

const DICTIONARIES: Record<string, Builtin> = {
  ']': endArray,
  '>>': endDict,
  dict: (ps) => {
    ps.pop();
    ps.push({ k: 'dict', map: new Map() });
  },
  begin: (ps) => {
    const dict = ps.pop();
    ps.beginDict(isDict(dict) ? dict : { k: 'dict', map: new Map() });
  },
  end: (ps) => ps.endDict(),
  def: (ps) => {
    const [key, value] = ps.popMany(2);
    const name = keyOf(key);
    if (name !== null) ps.define(name, value);
  },
  store: (ps) => {
    const [key, value] = ps.popMany(2);
    const name = keyOf(key);
    if (name === null) return;
    const holder = ps.holderOf(name);
    if (holder) ps.store(holder, name, value);
    else ps.define(name, value);
  },
  load: (ps) => {
    const name = keyOf(ps.pop());
    const value = name === null ? undefined : ps.lookup(name);
    if (value !== undefined) ps.push(value);
    else ps.push(name !== null && ps.isOperator(name) ? { k: 'op', v: name } : null);
  },
  where: (ps) => {
    const name = keyOf(ps.pop());
    if (name === null) return ps.push(null);
    const holder = ps.holderOf(name);
    if (holder) return pushN(ps, [holder, true]);
    if (ps.isOperator(name)) return pushN(ps, [ps.systemDict, true]);
    ps.push(false);
  },
  known: (ps) => {
    const [dict, key] = ps.popMany(2);
    const name = keyOf(key);
    if (!isDict(dict) || name === null || dict.opaque) return ps.push(null);
    ps.push(dict.system ? ps.isOperator(name) : dict.map.has(name));
  },
  get: (ps) => {
    const [container, key] = ps.popMany(2);
    ps.push(getFrom(ps, container, key));
  },
  put: (ps) => {
    const [container, key, value] = ps.popMany(3);
    const name = keyOf(key);
    const index = asNumber(key);
    if (isDict(container) && name !== null) ps.store(container, name, value);
    else if (isArray(container) && index !== null && index >= 0 && index < container.items.length) {
      container.items[Math.floor(index)] = value;
    }
  },
  undef: (ps) => void ps.popMany(2),
  currentdict: (ps) => ps.push(ps.currentDict),
  userdict: (ps) => ps.push(ps.globalDict),
  globaldict: (ps) => ps.push(ps.globalDict),
  systemdict: (ps) => ps.push(ps.systemDict),
  statusdict: (ps) => ps.push(opaqueDict('statusdict')),
  serverdict: (ps) => ps.push(opaqueDict('serverdict')),
  errordict: (ps) => ps.push(opaqueDict('errordict')),
  $error: (ps) => ps.push(opaqueDict('$error')),
  array: (ps) => {
    // Slots are only worth keeping for small arrays a job fills with `put` (a palette, a matrix); a large empty
    // array has nothing to tell, and thousands of them on the stack must not cost memory.
    const n = ps.popNumber();
    const kept = n !== null && n >= 0 && n <= MAX_EMPTY_ARRAY_SLOTS ? Math.floor(n) : 0;
    ps.push({ k: 'array', items: new Array<PsValue>(kept).fill(null) });
  },
  aload: (ps) => {
    const array = ps.pop();
    if (isArray(array)) pushN(ps, [...array.items, array]);
    else ps.clearToMark();
  },
  length: (ps) => {
    const value = ps.pop();
    if (isArray(value)) ps.push(value.items.length);
    else if (isDict(value) && !value.opaque && !value.system) ps.push(value.map.size);
    else if (value !== null && typeof value === 'object' && value.k === 'string' && value.content !== null)
      ps.push(value.content.length);
    else ps.push(null);
  },
  string: (ps) => {
    ps.pop();
    ps.push({ k: 'string', content: null });
  },
  cvx: (ps) => {
    const value = ps.pop();
    if (isArray(value)) ps.push({ k: 'proc', body: value.items, complete: true });
    else if (value !== null && typeof value === 'object' && value.k === 'name')
      ps.push({ k: 'exec', v: value.v });
    else ps.push(value);
  },
  cvlit: (ps) => {
    const value = ps.pop();
    ps.push(isProc(value) ? { k: 'array', items: value.body } : value);
  },
  cvn: (ps) => {
    const name = keyOf(ps.pop());
    ps.push(name === null ? null : { k: 'name', v: name });
  },
  bind: (ps) => {
    const proc = ps.pop();
    if (isProc(proc)) ps.bind(proc);
    ps.push(proc);
  },
  save: (ps) => ps.push(ps.save()),
  restore: (ps) => ps.restore(ps.pop()),
  currentfile: (ps) => ps.push({ k: 'file', filters: [] }),
  filter: (ps) => {
    const name = keyOf(ps.pop());
    const filter = name === 'SubFileDecode' ? subFileFilter(ps) : name;
    let source = ps.pop();
    const parameters = isDict(source);
    if (parameters) source = ps.pop();
    const fromProgram = source !== null && typeof source === 'object' && source.k === 'file' ? source : null;
    if (!fromProgram || filter === null) return ps.push(null);
    // SubFileDecode's parameters are read above; other filters' (predictors, EarlyChange) are not kept.
    const unread = parameters && name !== 'SubFileDecode';
    ps.push({
      k: 'file',
      filters: [...fromProgram.filters, filter],
      parameters: fromProgram.parameters === true || unread,
    });
  },
};

/** Every non-graphic operator the analyser models, by name. */
export const BASIC_OPERATORS: Record<string, Builtin> = {
  ...STACK,
  ...ARITHMETIC,
  ...DICTIONARIES,
  ...CONTROL_OPERATORS,
};
