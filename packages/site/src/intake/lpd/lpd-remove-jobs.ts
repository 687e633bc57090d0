/**
 * LPD "remove jobs" (RFC 1179 command 0x05, what `lprm` sends): `\x05queue agent [job numbers or users]\n`.
 *
 * Only the agent's own jobs are removed. RFC 1179 lets `root` remove anyone's jobs, trusting the client's
 * privileged source port; like cups-lpd we do not ("port-based security is no security at all"), so `root` is
 * a user like any other. The answer is one status byte, as cups-lpd sends: 0 when every requested removal was
 * done, 1 when any was refused or failed.
 */
import { describeError, isQuireError, type Logger } from '@quire/common';
import { type JobIntake, type Requester } from '../intake-port';
import { parseJobSelection } from './lpd-queue-state';

/** BSD `lprm -` asks for all of the user's jobs. */
const ALL_OWN_JOBS = '-';

/**
 * Remove the selected jobs of `queueName` on behalf of `agent`. Job numbers select those jobs; a user name
 * equal to the agent (or `-`) selects all of the agent's jobs; another user's name is refused. With no
 * operands the agent's next job (the oldest not completed) is removed, as BSD `lprm` does.
 */
export async function removeJobs(
  intake: JobIntake,
  logger: Logger,
  queueName: string,
  agent: string,
  operands: readonly string[],
): Promise<boolean> {
  const queue = (await intake.listQueues()).find((candidate) => candidate.name === queueName);
  if (queue === undefined) {
    logger.warn('LPD remove-jobs refused: unknown queue', { queue: queueName, agent });
    return false;
  }
  const { numbers, allOwn, refusedUsers } = await selectJobNumbers(intake, queueName, agent, operands);
  let ok = refusedUsers.length === 0;
  if (!ok) {
    logger.warn("LPD remove-jobs refused for other users' jobs", { queue: queueName, agent, refusedUsers });
  }
  if (allOwn) {
    const own = await intake.listJobs({ queueName, owner: agent, which: 'not-completed' });
    for (const job of own) numbers.add(job.number);
  }
  const requester: Requester = { user: agent, isAdmin: false };
  for (const number of numbers) {
    if (!(await removeOne(intake, logger, queueName, number, requester))) ok = false;
  }
  return ok;
}

async function selectJobNumbers(
  intake: JobIntake,
  queueName: string,
  agent: string,
  operands: readonly string[],
): Promise<{ numbers: Set<number>; allOwn: boolean; refusedUsers: string[] }> {
  const selection = parseJobSelection(operands);
  const numbers = new Set(selection.numbers);
  const users = [...selection.users];
  if (numbers.size === 0 && users.length === 0) {
    const own = await intake.listJobs({ queueName, owner: agent, which: 'not-completed' });
    const oldest = own.at(-1);
    if (oldest !== undefined) numbers.add(oldest.number);
    return { numbers, allOwn: false, refusedUsers: [] };
  }
  const allOwn = users.some((user) => user === agent || user === ALL_OWN_JOBS);
  const refusedUsers = users.filter((user) => user !== agent && user !== ALL_OWN_JOBS);
  return { numbers, allOwn, refusedUsers };
}

async function removeOne(
  intake: JobIntake,
  logger: Logger,
  queueName: string,
  number: number,
  requester: Requester,
): Promise<boolean> {
  try {
    const job = await intake.findJob(number);
    if (job === null || job.queueName !== queueName) {
      logger.warn('LPD remove-jobs: no such job in this queue', { queue: queueName, job: number });
      return false;
    }
    await intake.cancelJob(number, requester);
    logger.info('LPD job removed', { queue: queueName, job: number, agent: requester.user });
    return true;
  } catch (err) {
    logger.warn('LPD remove-jobs refused', {
      queue: queueName,
      job: number,
      agent: requester.user,
      error: describeError(err),
      code: isQuireError(err) ? err.code : undefined,
    });
    return false;
  }
}
