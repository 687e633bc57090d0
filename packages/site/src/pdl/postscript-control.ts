/**
 * Control operators of the PostScript analyser: `if`, `ifelse`, the loops, `exec`, `stopped`. A condition or
 * loop count the interpreter computed is followed exactly, so `3 { page } repeat` counts three pages; one it could
 * not compute (a value read from the device or the file) makes the body run speculatively once (see
 * postscript-interp.ts), which makes any `showpage` in it undecidable. Loops stop at {@link MAX_ITERATIONS}
 * iterations: beyond that the count is undecidable too.
 */
import { execProgramFile, isProgramFile } from './postscript-program-data';
import {
  asNumber,
  type Builtin,
  isArray,
  isDict,
  isProc,
  type PsMachine,
  type PsProc,
  type PsValue,
} from './postscript-values';

/** Iterations one loop may run before its count is declared undecidable. */
const MAX_ITERATIONS = 100_000;

/** Runs `proc` once per value in `values`; returns false when the body asked to stop (not exit). */
function iterate(ps: PsMachine, proc: PsProc, count: number, pushValues: (index: number) => PsValue[]): void {
  for (let index = 0; index < count; index += 1) {
    for (const value of pushValues(index)) ps.push(value);
    ps.execValue(proc);
    if (ps.unwinding === 'exit') {
      ps.unwinding = null;
      return;
    }
    if (ps.unwinding === 'stop') return;
  }
}

function tooLong(count: number): boolean {
  return !Number.isFinite(count) || count > MAX_ITERATIONS;
}

/** The iteration count of `init incr limit for`, or null when it never ends. */
function forCount(init: number, increment: number, limit: number): number | null {
  if (increment === 0) return null;
  const span = increment > 0 ? limit - init : init - limit;
  return span < 0 ? 0 : Math.floor(span / Math.abs(increment)) + 1;
}

const REPEAT_REASON = 'a loop whose count the scanner cannot compute';

/** Control operators by name. */
export const CONTROL_OPERATORS: Record<string, Builtin> = {
  if: (ps) => {
    const [condition, proc] = ps.popMany(2);
    if (!isProc(proc)) return;
    if (condition === true) ps.execValue(proc);
    else if (condition !== false) ps.speculate([proc], 'a condition the scanner cannot evaluate');
  },
  ifelse: (ps) => {
    const [condition, whenTrue, whenFalse] = ps.popMany(3);
    if (!isProc(whenTrue) || !isProc(whenFalse)) return;
    if (condition === true) ps.execValue(whenTrue);
    else if (condition === false) ps.execValue(whenFalse);
    else ps.speculate([whenTrue, whenFalse], 'a condition the scanner cannot evaluate');
  },
  repeat: (ps) => {
    const [countValue, proc] = ps.popMany(2);
    if (!isProc(proc)) return;
    const count = asNumber(countValue);
    if (count === null || count < 0 || tooLong(count)) return ps.speculate([proc], REPEAT_REASON);
    iterate(ps, proc, Math.floor(count), () => []);
  },
  for: (ps) => {
    const [initValue, incrementValue, limitValue, proc] = ps.popMany(4);
    if (!isProc(proc)) return;
    const init = asNumber(initValue);
    const increment = asNumber(incrementValue);
    const limit = asNumber(limitValue);
    const count =
      init === null || increment === null || limit === null ? null : forCount(init, increment, limit);
    if (count === null || tooLong(count)) return ps.speculate([proc], REPEAT_REASON);
    iterate(ps, proc, count, (index) => [(init as number) + index * (increment as number)]);
  },
  loop: (ps) => {
    const proc = ps.pop();
    // A `loop` ends on a condition the program computes from data (`readline`, `eof`): never decidable here.
    if (isProc(proc)) ps.speculate([proc], 'a loop that ends on a run-time condition');
  },
  forall: (ps) => {
    const [container, proc] = ps.popMany(2);
    if (!isProc(proc)) return;
    if (isArray(container) && !tooLong(container.items.length)) {
      return iterate(ps, proc, container.items.length, (index) => [container.items[index]]);
    }
    if (isDict(container) && !container.opaque && !container.system && !tooLong(container.map.size)) {
      const entries = [...container.map.entries()];
      return iterate(ps, proc, entries.length, (index) => [
        { k: 'name', v: entries[index][0] },
        entries[index][1],
      ]);
    }
    ps.speculate([proc], REPEAT_REASON);
  },
  exec: (ps) => {
    const value = ps.pop();
    if (isProgramFile(value)) execProgramFile(ps, value);
    else ps.execValue(value);
  },
  stopped: (ps) => {
    ps.execValue(ps.pop());
    // An error raised inside a speculative branch unwinds the whole branch (see postscript-interp.ts).
    if (ps.unwinding === 'stop' && !(ps.speculative && ps.raisedError !== null)) {
      ps.unwinding = null;
      ps.raisedError = null;
      ps.push(true);
    } else ps.push(false);
  },
  stop: (ps) => void (ps.unwinding = 'stop'),
  exit: (ps) => void (ps.unwinding = 'exit'),
};
