/**
 * The IPv4 addresses a discovery probes, from the ranges an admin types: single addresses, CIDR blocks and
 * `first-last` spans (with the `10.0.0.2-40` shorthand), minus exclusions in the same syntax. Ranges are kept as
 * merged intervals and expanded lazily, so a /16 costs a few numbers until it is probed; the total is capped
 * because every silent address holds a probe slot for the SNMP timeout, and a mistyped /8 would run for days.
 * Multicast, broadcast and `0.x.x.x` addresses are refused: a probe there is never a printer and the kernel
 * refuses most of those sends anyway.
 */
import { ErrorCode, QuireError } from '@quire/common';

/** Most addresses one discovery may probe (a /16); more is split into several discoveries. */
export const MAX_DISCOVERY_ADDRESSES = 65_536;

/** What a range may look like, quoted in every range error. */
const ACCEPTED =
  'write a single IPv4 address (192.168.1.10), a CIDR block (192.168.1.0/24) or a span ' +
  '(192.168.1.10-192.168.1.50, or 192.168.1.10-50)';

/** `0.0.0.0/8` ("this network") and everything from 224.0.0.0 (multicast, reserved, broadcast). */
const FIRST_PROBEABLE = 0x01000000;
const LAST_PROBEABLE = 0xdfffffff;

/** An inclusive interval of IPv4 addresses as unsigned 32-bit numbers. */
export interface AddressInterval {
  first: number;
  last: number;
}

function rangeError(entry: string, problem: string): QuireError {
  return new QuireError(
    ErrorCode.DiscoveryRangeInvalid,
    `Address range "${entry}" is not valid: ${problem}; ${ACCEPTED}`,
    { details: { range: entry } },
  );
}

/** The number of a dotted-quad IPv4 address, or null when `text` is not one. */
export function ipv4ToNumber(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
  const octets = parts.map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

/** The dotted-quad spelling of an address number. */
export function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function addressOf(entry: string, text: string): number {
  const value = ipv4ToNumber(text);
  if (value !== null) return value;
  if (text.includes(':')) throw rangeError(entry, 'IPv6 is not supported, discovery probes IPv4 only');
  throw rangeError(entry, `"${text}" is not an IPv4 address`);
}

function parseCidr(entry: string, address: string, prefixText: string, whole: boolean): AddressInterval {
  const base = addressOf(entry, address);
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
    throw rangeError(entry, `"/${prefixText}" is not a prefix length from 0 to 32`);
  }
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(base / size) * size;
  // The network and broadcast addresses of a real subnet are not hosts; /31 (RFC 3021) and /32 have none.
  if (prefix < 31 && !whole) return { first: network + 1, last: network + size - 2 };
  return { first: network, last: network + size - 1 };
}

/** `a-b` where b is a full address or the last one to three octets of one (`10.0.0.2-40`, `10.0.0.2-1.40`). */
function parseSpan(entry: string, firstText: string, lastText: string): AddressInterval {
  const first = addressOf(entry, firstText);
  const lastParts = lastText.split('.');
  const completed =
    lastParts.length < 4 ? [...firstText.split('.').slice(0, 4 - lastParts.length), ...lastParts] : lastParts;
  const last = addressOf(entry, completed.join('.'));
  if (last < first) {
    throw rangeError(entry, `it ends (${numberToIpv4(last)}) before it starts (${firstText})`);
  }
  return { first, last };
}

/**
 * One range as an interval; DISCOVERY_RANGE_INVALID naming the entry and what is accepted. An `exclusion`'s
 * CIDR block is whole (excluding a subnet excludes its network and broadcast addresses too), and it may reach
 * addresses a range may not, since nothing is sent to them.
 */
export function parseAddressRange(entry: string, exclusion = false): AddressInterval {
  const text = entry.trim();
  if (text === '') throw rangeError(entry, 'it is empty');
  const slash = text.split('/');
  const dash = text.split('-').map((part) => part.trim());
  let interval: AddressInterval;
  if (slash.length === 2) interval = parseCidr(entry, slash[0].trim(), slash[1].trim(), exclusion);
  else if (slash.length === 1 && dash.length === 2) interval = parseSpan(entry, dash[0], dash[1]);
  else if (slash.length === 1 && dash.length === 1) {
    const single = addressOf(entry, text);
    interval = { first: single, last: single };
  } else throw rangeError(entry, 'it has more than one "/" or "-"');
  if (!exclusion && (interval.first < FIRST_PROBEABLE || interval.last > LAST_PROBEABLE)) {
    throw rangeError(entry, 'it reaches 0.x.x.x or multicast/broadcast addresses (224.0.0.0 and up)');
  }
  return interval;
}

/** Sorted, non-overlapping, non-adjacent intervals covering the same addresses. */
function merged(intervals: AddressInterval[]): AddressInterval[] {
  const sorted = [...intervals].sort((a, b) => a.first - b.first);
  const out: AddressInterval[] = [];
  for (const interval of sorted) {
    const previous = out[out.length - 1];
    if (previous && interval.first <= previous.last + 1)
      previous.last = Math.max(previous.last, interval.last);
    else out.push({ ...interval });
  }
  return out;
}

/** `intervals` (merged) without any address of `holes` (merged). */
function subtract(intervals: AddressInterval[], holes: AddressInterval[]): AddressInterval[] {
  const out: AddressInterval[] = [];
  for (const interval of intervals) {
    let start = interval.first;
    for (const hole of holes) {
      if (hole.last < start || hole.first > interval.last) continue;
      if (hole.first > start) out.push({ first: start, last: hole.first - 1 });
      start = Math.max(start, hole.last + 1);
    }
    if (start <= interval.last) out.push({ first: start, last: interval.last });
  }
  return out;
}

/**
 * The addresses of a discovery: iterable in ascending order (lazily, one number at a time) with their count
 * known up front for progress reporting.
 */
export class AddressSet implements Iterable<string> {
  /** How many addresses iteration yields. */
  readonly size: number;

  constructor(readonly intervals: readonly AddressInterval[]) {
    this.size = intervals.reduce((sum, interval) => sum + interval.last - interval.first + 1, 0);
  }

  /** Whether `address` (dotted quad) is one of the set. */
  has(address: string): boolean {
    const value = ipv4ToNumber(address);
    return value !== null && this.intervals.some((i) => value >= i.first && value <= i.last);
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const interval of this.intervals) {
      for (let value = interval.first; value <= interval.last; value += 1) yield numberToIpv4(value);
    }
  }
}

/**
 * The addresses of `ranges` without those of `exclude`, overlaps counted once. DISCOVERY_RANGE_INVALID for a bad
 * entry (naming it), for no range at all, and for more than `cap` addresses (saying how many there are).
 */
export function parseAddressSet(
  ranges: readonly string[],
  exclude: readonly string[] = [],
  cap = MAX_DISCOVERY_ADDRESSES,
): AddressSet {
  if (ranges.length === 0) {
    throw new QuireError(ErrorCode.DiscoveryRangeInvalid, `No address range given; ${ACCEPTED}`);
  }
  const included = merged(ranges.map((entry) => parseAddressRange(entry)));
  const set = new AddressSet(
    subtract(included, merged(exclude.map((entry) => parseAddressRange(entry, true)))),
  );
  if (set.size > cap) {
    throw new QuireError(
      ErrorCode.DiscoveryRangeInvalid,
      `The ranges hold ${set.size} addresses, and one discovery probes at most ${cap}: ` +
        'split them into several discoveries or exclude what holds no printers',
      { details: { addresses: set.size, max: cap } },
    );
  }
  return set;
}
