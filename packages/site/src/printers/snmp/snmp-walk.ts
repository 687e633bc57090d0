/**
 * Reading several table columns and a few "next" values in as few round trips as the agent allows.
 *
 * A poll of 600 printers a minute has to be cheap, and each round trip costs a datagram each way plus, on v3,
 * the crypto. So `collect` sends ONE GETBULK (v2c/v3) whose non-repeaters are the single values and whose
 * repeaters are every wanted column, then asks again only for the columns that have not reached their end.
 * SNMPv1 has no GETBULK, so there every round is one GETNEXT carrying all unfinished columns. The protocol's
 * awkward corners are handled here, once: agents that truncate a GETBULK answer (a column simply got fewer rows,
 * so it is asked again), tooBig (fewer repetitions, then fewer columns per request), v1's noSuchName at the end
 * of the MIB (that OID is dropped and the rest asked again), and agents that loop or go backwards (a column
 * stops at the first OID that does not increase, and at MAX_ROWS).
 */
import { type RawValue } from './printer-mib';
import { isMissing, isNoSuchName, isTooBig, type SnmpRequester, type SnmpVarbind } from './snmp-session';

/** The rows read of one column: row index (the OID suffix after the column, e.g. `1.2`) → value. */
export type ColumnRows = Map<string, RawValue>;

/** What to collect. */
export interface CollectPlan {
  /** OIDs whose next varbind is wanted, once each (GETNEXT semantics). */
  nexts: string[];
  /** Columns to read to their end. */
  columns: string[];
  /** Rows asked per column per GETBULK. */
  maxRepetitions: number;
}

/** What `collect` found. */
export interface CollectResult {
  /** For each of `plan.nexts`, the varbind that follows it, or null (end of MIB, or a v1 noSuchName). */
  nexts: (SnmpVarbind | null)[];
  /** For each of `plan.columns`, its rows. */
  columns: Map<string, ColumnRows>;
}

/** No printer table legitimately has this many rows; an agent that keeps answering is looping. */
export const MAX_ROWS = 256;
const MAX_ROUNDS = 64;

interface ColumnState {
  column: string;
  prefix: string;
  last: string;
  rows: ColumnRows;
  done: boolean;
}

/** Compare two dotted OIDs arc by arc: negative when `a` sorts before `b`. */
export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const diff = Number(x[i]) - Number(y[i]);
    if (diff !== 0) return diff;
  }
  return x.length - y.length;
}

/** Take what one answer gave for one column; false when it gave nothing (a truncated answer). */
function absorb(state: ColumnState, varbinds: readonly SnmpVarbind[] | undefined): boolean {
  if (!varbinds || varbinds.length === 0) return false;
  for (const varbind of varbinds) {
    if (state.done) break;
    const inColumn = !isMissing(varbind) && varbind.oid.startsWith(state.prefix);
    if (!inColumn || compareOids(varbind.oid, state.last) <= 0) {
      state.done = true;
      break;
    }
    state.rows.set(varbind.oid.slice(state.prefix.length), varbind.value as RawValue);
    state.last = varbind.oid;
    if (state.rows.size >= MAX_ROWS) state.done = true;
  }
  return true;
}

/** The OID an SNMPv1 noSuchName error names (net-snmp writes `NoSuchName: <oid>`), or null. */
function failingOid(err: unknown): string | null {
  const match = err instanceof Error ? /:\s*([0-9.]+)\s*$/.exec(err.message) : null;
  return match ? match[1] : null;
}

/**
 * Which of `pending` an SNMPv1 noSuchName error names, so it can be dropped; -1 when the agent did not say
 * which (then none can be trusted). Any other error is rethrown.
 */
function droppedIndex(err: unknown, pending: string[]): number {
  if (!isNoSuchName(err)) throw err;
  const oid = failingOid(err);
  return oid === null ? -1 : pending.indexOf(oid);
}

/** GETNEXT for SNMPv1: on noSuchName, drop the OID it names (it has no successor) and ask for the rest again. */
async function getNextV1(session: SnmpRequester, oids: string[]): Promise<Map<string, SnmpVarbind>> {
  const pending = [...oids];
  while (pending.length > 0) {
    try {
      const varbinds = await session.getNext(pending);
      return new Map(pending.map((oid, i) => [oid, varbinds[i]]));
    } catch (err) {
      const at = droppedIndex(err, pending);
      if (at < 0) return new Map();
      pending.splice(at, 1);
    }
  }
  return new Map();
}

/** One GETBULK for `states` (all unfinished); on tooBig, fewer repetitions, then half the columns at a time. */
async function bulkRound(
  session: SnmpRequester,
  states: ColumnState[],
  maxRepetitions: number,
): Promise<boolean> {
  try {
    const answer = await session.getBulk(
      states.map((s) => s.last),
      0,
      maxRepetitions,
    );
    let progress = false;
    states.forEach((state, i) => {
      if (absorb(state, answer[i] as SnmpVarbind[] | undefined)) progress = true;
    });
    return progress;
  } catch (err) {
    if (!isTooBig(err)) throw err;
    if (maxRepetitions > 1) return bulkRound(session, states, Math.ceil(maxRepetitions / 2));
    if (states.length === 1) {
      states[0].done = true;
      return true;
    }
    const half = Math.ceil(states.length / 2);
    const first = await bulkRound(session, states.slice(0, half), 1);
    const second = await bulkRound(session, states.slice(half), 1);
    return first || second;
  }
}

async function nextRound(session: SnmpRequester, states: ColumnState[]): Promise<boolean> {
  const answer = await getNextV1(
    session,
    states.map((s) => s.last),
  );
  let progress = false;
  for (const state of states) {
    const varbind = answer.get(state.last);
    if (varbind === undefined) state.done = true;
    else absorb(state, [varbind]);
    progress = true;
  }
  return progress;
}

/** Ask for the unfinished columns until every one has reached its end (or stopped making progress). */
async function finishColumns(
  session: SnmpRequester,
  states: ColumnState[],
  maxRepetitions: number,
): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const open = states.filter((s) => !s.done);
    if (open.length === 0) return;
    const progress =
      session.version === '1'
        ? await nextRound(session, open)
        : await bulkRound(session, open, maxRepetitions);
    if (!progress) break;
  }
  for (const state of states) state.done = true;
}

/** The first round on v2c/v3: one GETBULK with the nexts as non-repeaters and every column as a repeater. */
async function firstBulk(
  session: SnmpRequester,
  plan: CollectPlan,
  states: ColumnState[],
): Promise<(SnmpVarbind | null)[]> {
  const oids = [...plan.nexts, ...states.map((s) => s.last)];
  try {
    const answer = await session.getBulk(oids, plan.nexts.length, plan.maxRepetitions);
    states.forEach((state, i) => absorb(state, answer[plan.nexts.length + i] as SnmpVarbind[] | undefined));
    return plan.nexts.map((_, i) => {
      const varbind = answer[i] as SnmpVarbind | undefined;
      return varbind && !isMissing(varbind) ? varbind : null;
    });
  } catch (err) {
    if (!isTooBig(err)) throw err;
    const varbinds = plan.nexts.length > 0 ? await session.getNext(plan.nexts) : [];
    return plan.nexts.map((_, i) => (varbinds[i] && !isMissing(varbinds[i]) ? varbinds[i] : null));
  }
}

/** The first round on v1: one GETNEXT for the nexts and the first row of every column. */
async function firstNext(
  session: SnmpRequester,
  plan: CollectPlan,
  states: ColumnState[],
): Promise<(SnmpVarbind | null)[]> {
  const answer = await getNextV1(session, [...plan.nexts, ...states.map((s) => s.last)]);
  for (const state of states) {
    const varbind = answer.get(state.column);
    if (varbind === undefined) state.done = true;
    else absorb(state, [varbind]);
  }
  return plan.nexts.map((oid) => answer.get(oid) ?? null);
}

/**
 * Collect `plan` from the agent behind `session`: the varbind after each of `plan.nexts`, and every row of each
 * of `plan.columns`, in one request when the agent answers it whole. Rejects with net-snmp's error when a request
 * gets no answer or a protocol error other than those handled here.
 */
export async function collect(session: SnmpRequester, plan: CollectPlan): Promise<CollectResult> {
  const states: ColumnState[] = plan.columns.map((column) => ({
    column,
    prefix: `${column}.`,
    last: column,
    rows: new Map(),
    done: false,
  }));
  const nexts =
    plan.nexts.length === 0 && states.length === 0
      ? []
      : session.version === '1'
        ? await firstNext(session, plan, states)
        : await firstBulk(session, plan, states);
  await finishColumns(session, states, plan.maxRepetitions);
  return { nexts, columns: new Map(states.map((s) => [s.column, s.rows])) };
}

/**
 * GET `oids` and keep the values that exist: on v2c/v3 the missing ones come back as noSuchObject/Instance; on
 * v1 a missing OID fails the whole request with noSuchName, so it is dropped and the rest asked again.
 */
export async function getExisting(session: SnmpRequester, oids: string[]): Promise<Map<string, RawValue>> {
  const pending = [...oids];
  while (pending.length > 0) {
    try {
      const varbinds = await session.get(pending);
      const found = new Map<string, RawValue>();
      varbinds.forEach((varbind, i) => {
        if (varbind && !isMissing(varbind)) found.set(pending[i], varbind.value as RawValue);
      });
      return found;
    } catch (err) {
      const at = droppedIndex(err, pending);
      if (at < 0) return new Map();
      pending.splice(at, 1);
    }
  }
  return new Map();
}
