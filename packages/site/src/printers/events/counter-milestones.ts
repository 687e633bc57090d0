/**
 * Counter milestones: "every X pages", MyQ's "Total counter increase". A milestone fires when the counter moves
 * past a multiple of X between two readings. Pure, so the arithmetic is tested on its own.
 *
 * The counter a printer had before is its last answer's, however many offline polls came since, or the last
 * milestone that fired if that is higher: a printer that was off while it passed 1000 still fires 1000 when it
 * is back. A printer seen for the first time fires nothing (its past milestones are history, not news). A jump over many
 * multiples at once (a counter set by hand, a printer back after weeks) fires only the last few, so one poll
 * cannot send hundreds of mails.
 */
import { type PrinterCounters } from '../monitoring/printer-reading';
import { type MilestoneCounter } from './event-definition-input';

/** The most milestones one evaluation fires for one event and printer. */
export const MAX_MILESTONES_PER_READING = 10;

/** The value of `counter` in `counters`, or null when the device has no such counter. */
export function counterValue(
  counters: PrinterCounters | undefined,
  counter: MilestoneCounter,
): number | null {
  const value = counters?.[counter];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/**
 * The multiples of `everyPages` passed on the way from the counter before (`previous`, or else `lastFired`) to
 * `current`, ascending, at most MAX_MILESTONES_PER_READING (the highest ones). Nothing when there is no "before",
 * no current value, or the counter went backwards (a replaced board).
 */
export function crossedMilestones(
  previous: number | null,
  current: number | null,
  everyPages: number,
  lastFired: number | null,
): number[] {
  if (current === null || !Number.isInteger(everyPages) || everyPages < 1) return [];
  const before = Math.max(previous ?? -1, lastFired ?? -1);
  if (before < 0 || current <= before) return [];
  const highest = Math.floor(current / everyPages);
  const lowest = Math.max(Math.floor(before / everyPages) + 1, 1, highest - MAX_MILESTONES_PER_READING + 1);
  const milestones: number[] = [];
  for (let multiple = lowest; multiple <= highest; multiple++) milestones.push(multiple * everyPages);
  return milestones;
}
