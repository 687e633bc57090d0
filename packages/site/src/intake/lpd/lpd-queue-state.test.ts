/**
 * Unit tests of the LPD listing layout and job selection (the socket side is in test/lpd-commands.test.ts).
 */
import { expect } from 'chai';
import { type JobView, type QueueSummary } from '../intake-port';
import { formatQueueState, isSelected, parseJobSelection } from './lpd-queue-state';

const queue: QueueSummary = { id: 'q', name: 'Default', type: 'pull', online: true, description: '' };

function job(number: number, owner: string, fields: Partial<JobView> = {}): JobView {
  return {
    id: `j${number}`,
    number,
    name: `doc${number}`,
    owner,
    queueName: 'Default',
    state: 'ready',
    stateReason: null,
    protocol: 'lpd',
    clientAddress: '10.0.0.5',
    submittedAt: new Date(0),
    processedAt: null,
    completedAt: null,
    sizeBytes: 1234,
    sha256: '',
    documentFormat: null,
    pdl: null,
    pages: null,
    colorPages: null,
    monoPages: null,
    copies: 1,
    duplex: null,
    paper: null,
    impressions: null,
    sheets: null,
    analysis: null,
    ...fields,
  };
}

describe('LPD queue state', () => {
  it('ranks with English ordinals, including 11th to 13th', () => {
    const jobs = Array.from({ length: 23 }, (_, index) => job(index + 1, 'u'));
    const ranks = formatQueueState(queue, jobs, false, false)
      .trimEnd()
      .split('\n')
      .slice(2)
      .map((line) => line.split(/\s+/)[0]);
    expect(ranks.slice(0, 4)).to.deep.equal(['1st', '2nd', '3rd', '4th']);
    expect(ranks.slice(10, 13)).to.deep.equal(['11th', '12th', '13th']);
    expect(ranks.slice(20, 23)).to.deep.equal(['21st', '22nd', '23rd']);
  });

  it('cuts long owners and names to their columns like lpq', () => {
    const text = formatQueueState(
      queue,
      [job(7, 'averyverylongname', { name: 'x'.repeat(50) })],
      false,
      false,
    );
    expect(text.split('\n')[2]).to.equal(`1st     averyve 7       ${'x'.repeat(31)} 1234 bytes`);
  });

  it('notes a truncated listing', () => {
    expect(formatQueueState(queue, [job(1, 'u')], true, true)).to.include('only the newest 1000 jobs');
  });

  it('selects by number or user, and everything when nothing is given', () => {
    const selection = parseJobSelection(['12', 'bob']);
    expect(isSelected(job(12, 'alice'), selection)).to.equal(true);
    expect(isSelected(job(3, 'bob'), selection)).to.equal(true);
    expect(isSelected(job(3, 'alice'), selection)).to.equal(false);
    expect(isSelected(job(3, 'alice'), parseJobSelection([]))).to.equal(true);
  });
});
