/**
 * The LPD queue-state listings (RFC 1179 commands 0x03 short and 0x04 long): plain text in the layout of BSD
 * `lpq` (and cups-lpd, which copies it), since that is what lpq-style clients print verbatim to their users.
 */
import { type JobIntake, type JobView, type QueueSummary } from '../intake-port';

/** Listings stop here; a queue this long is better read in the web console. */
const MAX_LISTED_JOBS = 1000;
const ORDINAL_SUFFIXES = ['th', 'st', 'nd', 'rd', 'th', 'th', 'th', 'th', 'th', 'th'];

/** Which jobs a listing shows: the operands after the queue name, job numbers and user names. */
export interface LpdJobSelection {
  numbers: Set<number>;
  users: Set<string>;
}

/** Split the operands of 0x03/0x04/0x05 into job numbers (all digits) and user names. */
export function parseJobSelection(operands: readonly string[]): LpdJobSelection {
  const selection: LpdJobSelection = { numbers: new Set(), users: new Set() };
  for (const operand of operands) {
    if (/^\d{1,15}$/.test(operand)) selection.numbers.add(Number(operand));
    else selection.users.add(operand);
  }
  return selection;
}

/** Whether a job is selected; an empty selection selects every job. */
export function isSelected(job: JobView, selection: LpdJobSelection): boolean {
  if (selection.numbers.size === 0 && selection.users.size === 0) return true;
  return selection.numbers.has(job.number) || selection.users.has(job.owner);
}

/**
 * The listing text for a queue: a status line, then its not-completed jobs oldest first (rank 1 prints
 * next; a job being printed is `active`), or `no entries`. An unknown queue gets a one-line explanation.
 */
export async function renderQueueState(
  intake: JobIntake,
  queueName: string,
  operands: readonly string[],
  long: boolean,
): Promise<string> {
  const queue = (await intake.listQueues()).find((candidate) => candidate.name === queueName);
  if (queue === undefined) return `${queueName}: unknown queue\n`;
  const newestFirst = await intake.listJobs({ queueName, which: 'not-completed', limit: MAX_LISTED_JOBS });
  const selection = parseJobSelection(operands);
  const jobs = [...newestFirst].reverse().filter((job) => isSelected(job, selection));
  return formatQueueState(queue, jobs, long, newestFirst.length >= MAX_LISTED_JOBS);
}

/** Format a listing from already selected jobs, oldest first. */
export function formatQueueState(
  queue: QueueSummary,
  jobs: readonly JobView[],
  long: boolean,
  truncated: boolean,
): string {
  const lines = [queue.online ? `${queue.name} is ready` : `${queue.name} is not ready (offline)`];
  if (jobs.length === 0) {
    lines.push('no entries');
    return `${lines.join('\n')}\n`;
  }
  if (!long) lines.push('Rank    Owner   Job     File(s)                         Total Size');
  let rank = 1;
  for (const job of jobs) {
    const rankText = job.state === 'printing' ? 'active' : ordinal(rank++);
    lines.push(...(long ? longEntry(job, rankText) : [shortEntry(job, rankText)]));
  }
  if (truncated) lines.push(`(only the newest ${MAX_LISTED_JOBS} jobs are listed)`);
  return `${lines.join('\n')}\n`;
}

function shortEntry(job: JobView, rank: string): string {
  return `${cell(rank, 7)} ${cell(job.owner, 7)} ${cell(String(job.number), 7)} ${cell(job.name, 31)} ${job.sizeBytes} bytes`;
}

function longEntry(job: JobView, rank: string): string[] {
  const name = job.copies > 1 ? `${job.copies} copies of ${job.name}` : job.name;
  return [
    '',
    `${job.owner}: ${cell(rank, 33)} [job ${job.number} ${job.clientAddress}]`,
    `        ${cell(name, 39)} ${job.sizeBytes} bytes`,
  ];
}

/** Left-aligned in a column of `width`, cut when longer (like printf's `%-7.7s`). */
function cell(text: string, width: number): string {
  return text.slice(0, width).padEnd(width);
}

function ordinal(rank: number): string {
  const lastTwo = rank % 100;
  const suffix = lastTwo >= 11 && lastTwo <= 13 ? 'th' : ORDINAL_SUFFIXES[rank % 10];
  return `${rank}${suffix}`;
}
