/**
 * What a user signed in at a printer's terminal can do: list the jobs they may print there (their own ready
 * jobs, jobs whose release failed, reprintable favourites, and the ready jobs of users who made them a delegate
 * on a delegated queue), release one or all of them at that printer, delete their own, and mark favourites.
 * Every release goes through the release service, as IPP and the REST API do.
 */
import { ErrorCode, QuireError } from '@quire/common';
import { type DirectoryService } from '../directory/directory.service';
import { type JobEntity } from '../jobs/job.entity';
import { type JobRepository } from '../jobs/job.repository';
import { type JobsService } from '../jobs/jobs.service';
import { type PrinterEntity } from '../printers/printer.entity';
import { type QueueEntity } from '../queues/queue.entity';
import { type QueueService } from '../queues/queue.service';
import { type ReleaseService } from '../release/release.service';
import { mayMarkFavourite, mayReprint } from '../release/reprint-policy';
import { type TerminalSession } from './terminal-auth.service';

/** A job as a terminal lists it. */
export interface TerminalJob {
  job: JobEntity;
  ownerFullName: string;
  /** Listed because its owner made the signed-in user a delegate. */
  delegated: boolean;
}

/** Dependencies of the terminal service. */
export interface TerminalServiceOptions {
  repository: JobRepository;
  jobs: JobsService;
  queues: QueueService;
  directory: DirectoryService;
  release: ReleaseService;
}

/** True when `queue` prints on `printer`, by name or by group. */
export function queuePrintsOn(queue: QueueEntity, printer: PrinterEntity): boolean {
  return (
    queue.printers.includes(printer.id) ||
    (printer.group !== null && queue.printerGroups.includes(printer.group))
  );
}

/** Terminal operations; see the file comment. */
export class TerminalService {
  constructor(private readonly options: TerminalServiceOptions) {}

  /** The jobs the session's user may print at the session's printer, oldest first. */
  async listJobs(session: TerminalSession): Promise<TerminalJob[]> {
    const { user, printer } = session;
    const queues = new Map((await this.options.queues.list()).map((queue) => [queue.id, queue]));
    const here = (job: JobEntity) => {
      const queue = queues.get(job.queueId);
      return queue !== undefined && queuePrintsOn(queue, printer) ? queue : null;
    };
    const listed: TerminalJob[] = [];
    for (const job of await this.options.repository.findOfOwners(
      [user.username],
      ['ready', 'failed', 'printed'],
    )) {
      const queue = here(job);
      if (queue && (await this.offered(job, queue, user.keepForReprint))) {
        listed.push({ job, ownerFullName: user.fullName, delegated: false });
      }
    }
    const delegators = await this.options.directory.delegatorsOf(user);
    for (const job of await this.options.repository.findOfOwners(delegators, ['ready'])) {
      if (here(job)?.type !== 'delegated') continue;
      const owner = await this.options.directory.byUsername(job.owner);
      listed.push({ job, ownerFullName: owner?.fullName ?? job.owner, delegated: true });
    }
    return listed.sort((a, b) => a.job.submittedAt.getTime() - b.job.submittedAt.getTime());
  }

  /** Release one job at the session's printer. */
  release(session: TerminalSession, jobId: string): Promise<JobEntity> {
    return this.options.release.release(jobId, {
      actor: { kind: 'user', username: session.user.username },
      printerId: session.printer.id,
    });
  }

  /** Release every ready job listed (delegated ones too, unless `ownOnly`), in queue-priority order. */
  async releaseAll(session: TerminalSession, ownOnly = false) {
    const jobs = (await this.listJobs(session))
      .filter((entry) => entry.job.state === 'ready' && !(ownOnly && entry.delegated))
      .map((entry) => entry.job);
    return this.options.release.releaseMany(jobs, {
      actor: { kind: 'user', username: session.user.username },
      printerId: session.printer.id,
    });
  }

  /** Delete one of the user's own jobs. */
  async remove(session: TerminalSession, jobId: string): Promise<void> {
    const job = await this.ownJob(session, jobId);
    await this.options.jobs.remove({ id: job.id }, { user: job.owner, isAdmin: false });
  }

  /** One of the signed-in user's own jobs (owner names compare without regard to case), or FORBIDDEN. */
  private async ownJob(session: TerminalSession, jobId: string): Promise<JobEntity> {
    const job = await this.options.jobs.get({ id: jobId });
    if (job.owner.toLowerCase() !== session.user.username.toLowerCase()) {
      throw new QuireError(ErrorCode.Forbidden, `Job ${job.number} belongs to another user`);
    }
    return job;
  }

  /** Mark or unmark one of the user's own jobs as a favourite (only under the keep-for-reprint policy). */
  async setFavourite(session: TerminalSession, jobId: string, favourite: boolean): Promise<JobEntity> {
    const job = await this.ownJob(session, jobId);
    if (!mayMarkFavourite(session.user.keepForReprint)) {
      throw new QuireError(
        ErrorCode.Forbidden,
        'Favourites need the print-job policy "Keep jobs for reprint"',
      );
    }
    if (job.state === 'deleted') {
      throw new QuireError(ErrorCode.JobStateConflict, `Job ${job.number} is deleted`, {
        details: { job: job.number, state: job.state },
      });
    }
    await this.options.repository.setColumns(job.id, { favourite });
    return { ...job, favourite };
  }

  /** Whether an own job is offered: ready, a failed release, or a printed job its owner may print again. */
  private async offered(job: JobEntity, queue: QueueEntity, policyKeeps: boolean): Promise<boolean> {
    const kept = job.documentRemovedAt === null;
    if (job.state === 'ready') return true;
    if (job.state === 'failed') return job.printAttempts > 0 && kept;
    return mayReprint({ queueKeeps: queue.keepForReprint, policyKeeps, favourite: job.favourite }, kept);
  }
}
