/**
 * Unit tests of the job state machine's transition table: which moves exist, who may make them, and that the
 * final states are final. The DB side (conditional update, event rows, races) is tested in test/jobs.test.ts.
 */
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import { type JobState } from '../intake/intake-port';
import { type JobEntity } from './job.entity';
import { type JobRepository } from './job.repository';
import {
  ACTIVE_STATES,
  canTransition,
  FINAL_STATES,
  isFinalState,
  JOB_TRANSITIONS,
  JobStateMachine,
  rolesAllowed,
  type JobActorRole,
} from './job-state-machine';

const ALL_STATES = Object.keys(JOB_TRANSITIONS) as JobState[];

describe('job state machine table', () => {
  it('lists exactly the seven states, split into active and final', () => {
    expect(ALL_STATES).to.have.members([
      'processing',
      'ready',
      'paused',
      'printing',
      'printed',
      'failed',
      'deleted',
    ]);
    expect([...ACTIVE_STATES, ...FINAL_STATES]).to.have.members(ALL_STATES);
    for (const state of FINAL_STATES) expect(isFinalState(state)).to.equal(true);
    for (const state of ACTIVE_STATES) expect(isFinalState(state)).to.equal(false);
  });

  it('has no way out of deleted; printed and failed only to a new release or deletion', () => {
    for (const to of ALL_STATES) expect(rolesAllowed('deleted', to), `deleted → ${to}`).to.deep.equal([]);
    for (const from of ['printed', 'failed'] as const) {
      for (const to of ALL_STATES) {
        const expected =
          to === 'printing' ? ['release'] : to === 'deleted' ? ['owner', 'admin', 'system'] : [];
        expect(rolesAllowed(from, to), `${from} → ${to}`).to.have.members(expected);
      }
    }
  });

  it('lets the owner or an admin delete any job, and the retention task any job not in processing or printing', () => {
    for (const from of ['processing', 'printing'] as const) {
      expect(rolesAllowed(from, 'deleted'), from).to.have.members(['owner', 'admin']);
    }
    for (const from of ['ready', 'paused', 'printed', 'failed'] as const) {
      expect(rolesAllowed(from, 'deleted'), from).to.have.members(['owner', 'admin', 'system']);
    }
  });

  it('routes only out of processing, and only the router does', () => {
    expect(canTransition('processing', 'ready', 'router')).to.equal(true);
    expect(canTransition('processing', 'paused', 'router')).to.equal(true);
    expect(canTransition('processing', 'failed', 'router')).to.equal(true);
    expect(canTransition('processing', 'ready', 'owner')).to.equal(false);
    for (const from of ALL_STATES.filter((state) => state !== 'processing')) {
      for (const to of ALL_STATES)
        expect(canTransition(from, to, 'router'), `${from} → ${to}`).to.equal(false);
    }
  });

  it('lets owners and admins hold and release held jobs, but not print them', () => {
    for (const role of ['owner', 'admin'] as JobActorRole[]) {
      expect(canTransition('ready', 'paused', role)).to.equal(true);
      expect(canTransition('paused', 'ready', role)).to.equal(true);
      expect(canTransition('ready', 'printing', role)).to.equal(false);
      expect(canTransition('printing', 'printed', role)).to.equal(false);
    }
    expect(canTransition('paused', 'printing', 'release'), 'a held job must be released first').to.equal(
      false,
    );
  });

  it('leaves printing to the release capability', () => {
    expect(canTransition('ready', 'printing', 'release')).to.equal(true);
    expect(canTransition('printing', 'printed', 'release')).to.equal(true);
    expect(canTransition('printing', 'failed', 'release')).to.equal(true);
    expect(canTransition('ready', 'printed', 'release'), 'no skipping printing').to.equal(false);
  });

  it('lets the system fail any active job and delete expired ones, and nothing else', () => {
    const expiring = ['ready', 'paused', 'printed', 'failed'];
    for (const from of ALL_STATES) {
      for (const to of ALL_STATES) {
        const expected =
          (to === 'failed' && ACTIVE_STATES.includes(from)) || (to === 'deleted' && expiring.includes(from));
        expect(canTransition(from, to, 'system'), `${from} → ${to}`).to.equal(expected);
      }
    }
  });

  it('never lets intake move a job (it only creates them)', () => {
    for (const from of ALL_STATES) {
      for (const to of ALL_STATES) expect(canTransition(from, to, 'intake')).to.equal(false);
    }
  });

  it('refuses a move the table lacks before touching the DB, naming the job and its state', async () => {
    const untouchable = new Proxy({} as JobRepository, {
      get: (_target, property) => {
        throw new Error(`the repository was used (${String(property)})`);
      },
    });
    const machine = new JobStateMachine({ jobs: untouchable });
    const job = { id: 'x', number: 7, state: 'deleted' } as JobEntity;
    const manager = {} as Parameters<JobStateMachine['transition']>[3];
    const refused = await machine
      .transition(job, 'ready', { actor: { role: 'owner', name: 'alice' } }, manager)
      .catch((err: unknown) => err);
    expect(isQuireError(refused, ErrorCode.JobStateConflict)).to.equal(true);
    expect((refused as Error).message).to.equal('Job 7 is deleted; it cannot become ready');

    const wrongRole = await machine
      .transition({ ...job, state: 'ready' }, 'printing', { actor: { role: 'owner' } }, manager)
      .catch((err: unknown) => err);
    expect(isQuireError(wrongRole, ErrorCode.JobStateConflict)).to.equal(true);
    expect((wrongRole as Error).message).to.contain('is for release, not owner');
  });
});
