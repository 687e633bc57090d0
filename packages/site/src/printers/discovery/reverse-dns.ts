/**
 * Reverse DNS for the `%hostname%` name placeholder: one PTR query with a short timeout, through c-ares (not
 * getnameinfo on libuv's thread pool, where a hanging lookup would hold a thread for the system resolver's full
 * timeout). No answer, an error or the time limit all mean "no name"; the template then uses the IP address.
 */
import { Resolver } from 'node:dns/promises';

/** How long a discovery waits for one reverse lookup by default. */
export const REVERSE_DNS_TIMEOUT_MS = 1_000;

/** A reverse lookup: the first PTR name of an address, or null. */
export type ReverseLookup = (address: string) => Promise<string | null>;

/** A reverse lookup that gives up after `timeoutMs` (a single try per DNS server). */
export function reverseDnsLookup(timeoutMs = REVERSE_DNS_TIMEOUT_MS): ReverseLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  return async (address) => {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const lookup = resolver.reverse(address).then(
      (names) => names[0] ?? null,
      () => null,
    );
    try {
      return await Promise.race([lookup, giveUp]);
    } finally {
      clearTimeout(timer);
    }
  };
}
