/**
 * Mono and colour page counters from vendors' private MIBs. The Printer MIB has one life counter per marker and
 * no colour split, so billing-grade mono/colour counts only exist in enterprise trees. The table is kept small
 * on purpose, one source per vendor whose layout is stable across its fleet, each checked against the testkit's
 * recorded fixtures; a device of another vendor simply reports no split.
 *
 * - HP (LaserJet MIB, enterprise 11): total-mono-page-count and total-color-page-count, two scalars; mono-only
 *   models have no colour one.
 * - Kyocera (enterprise 1347): kmCountByFunctionAndColor, a table indexed by function (1 print, 2 copy, 4 fax)
 *   and colour mode (1 black & white, 2 single colour, 3 full colour); mono is the sum of black & white over
 *   every function, colour the sum of the other modes (a single-colour page is billed as colour).
 */
import { snmpInteger, type RawValue } from './printer-mib';
import { type ColumnRows } from './snmp-walk';

/** HP's private mono and colour page counters (full instance OIDs). */
export const HP_PAGE_COUNT_OIDS = {
  mono: '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6.0',
  color: '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.7.0',
} as const;

/** Kyocera's counters by function and colour mode: a column whose rows are `function.mode`. */
export const KYOCERA_COUNT_BY_FUNCTION_AND_COLOR = '1.3.6.1.4.1.1347.42.3.1.2.1.1';

const KYOCERA_MONO_MODE = 1;

/** A mono/colour split; null where the device has no such counter. */
export interface VendorCounters {
  mono: number | null;
  color: number | null;
}

/** HP's split from its two scalars, or null when the device has neither. */
export function hpCounters(mono: RawValue, color: RawValue): VendorCounters | null {
  const split = { mono: snmpInteger(mono), color: snmpInteger(color) };
  return split.mono === null && split.color === null ? null : split;
}

/** Kyocera's split, summed over functions, or null when the device has no such table. */
export function kyoceraCounters(rows: ColumnRows | undefined): VendorCounters | null {
  if (!rows || rows.size === 0) return null;
  let mono = 0;
  let color = 0;
  for (const [index, value] of rows) {
    const mode = Number(index.split('.')[1]);
    const count = snmpInteger(value) ?? 0;
    if (mode === KYOCERA_MONO_MODE) mono += count;
    else color += count;
  }
  return { mono, color };
}

/**
 * The OID to send a GETNEXT for so that the answer is `oid` itself when the device has it: the parent of a
 * `.0` scalar, else the end of the previous sibling's subtree (so nothing between it and `oid` can come first).
 */
export function oidBefore(oid: string): string {
  const arcs = oid.split('.');
  const last = Number(arcs.pop());
  if (last === 0) return arcs.join('.');
  return [...arcs, String(last - 1), '4294967295'].join('.');
}
