/**
 * The job filtering of the JobIntake contract, for the in-memory intake doubles the front-end tests use (the
 * real core does it in SQL): `states` wins over `which`, queue names match without regard to case.
 */
import { type JobListFilter, type JobState, type JobView } from '../src/intake/intake-port';

const NOT_COMPLETED: readonly JobState[] = ['processing', 'ready', 'paused', 'printing'];

/** Whether `job` matches `filter` (limit aside). `defaultWhich` is what an absent `which` means to the caller. */
export function matchesJobFilter(
  job: JobView,
  filter: JobListFilter,
  defaultWhich: JobListFilter['which'],
): boolean {
  if (filter.queueName !== undefined && job.queueName.toLowerCase() !== filter.queueName.toLowerCase())
    return false;
  if (filter.owner !== undefined && job.owner !== filter.owner) return false;
  if (filter.states !== undefined) return filter.states.includes(job.state);
  const which = filter.which ?? defaultWhich;
  return which === 'all' || NOT_COMPLETED.includes(job.state) === (which === 'not-completed');
}
