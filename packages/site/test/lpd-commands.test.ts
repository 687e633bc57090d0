/**
 * LPD queue state (0x03/0x04), remove jobs (0x05) and malformed input, against a real listener on 127.0.0.1
 * with a hand-written client and the in-memory job core.
 */
import { expect } from 'chai';
import { eventually, type LpdHarness, logsMatching, startLpdHarness } from './lpd-harness';
import { controlFile, controlFileHeader, dataFileHeader, TestConnection } from './lpd-test-client';

async function listing(harness: LpdHarness, command: string): Promise<string> {
  const connection = await TestConnection.connect(harness.port);
  connection.send(command);
  return connection.readToClose();
}

async function remove(harness: LpdHarness, command: string): Promise<number | null> {
  const connection = await TestConnection.connect(harness.port);
  const answer = await connection.request(command);
  await connection.closed;
  return answer;
}

describe('LPD queue state and remove jobs', function () {
  let harness: LpdHarness;

  beforeEach(async () => {
    harness = await startLpdHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  function seedJobs(): { aliceOld: number; bob: number; aliceNew: number; printed: number } {
    const intake = harness.intake;
    const aliceOld = intake.addJob({
      owner: 'alice',
      queueName: 'Default',
      name: 'thesis.pdf',
      sizeBytes: 2048,
    });
    const bob = intake.addJob({ owner: 'bob', queueName: 'Default', name: 'memo', sizeBytes: 10, copies: 2 });
    const aliceNew = intake.addJob({ owner: 'alice', queueName: 'Default', name: 'slides', sizeBytes: 99 });
    const printed = intake.addJob({ owner: 'carol', queueName: 'Default', name: 'old', state: 'printed' });
    intake.addJob({ owner: 'dave', queueName: 'Web', name: 'elsewhere' });
    return { aliceOld: aliceOld.number, bob: bob.number, aliceNew: aliceNew.number, printed: printed.number };
  }

  it('lists not-completed jobs oldest first in the short lpq layout', async () => {
    const jobs = seedJobs();
    const lines = (await listing(harness, '\x03Default\n')).trimEnd().split('\n');
    expect(lines[0]).to.equal('Default is ready');
    expect(lines[1]).to.match(/^Rank\s+Owner\s+Job\s+File\(s\)\s+Total Size$/);
    expect(lines.slice(2)).to.deep.equal([
      `1st     alice   ${String(jobs.aliceOld).padEnd(7)} ${'thesis.pdf'.padEnd(31)} 2048 bytes`,
      `2nd     bob     ${String(jobs.bob).padEnd(7)} ${'memo'.padEnd(31)} 10 bytes`,
      `3rd     alice   ${String(jobs.aliceNew).padEnd(7)} ${'slides'.padEnd(31)} 99 bytes`,
    ]);
  });

  it('filters the listing by user names and job numbers', async () => {
    const jobs = seedJobs();
    const byUser = await listing(harness, '\x03Default bob\n');
    expect(byUser).to.include('memo').and.not.include('thesis.pdf');
    const byNumber = await listing(harness, `\x03Default ${jobs.aliceNew}\n`);
    expect(byNumber).to.include('slides').and.not.include('memo');
  });

  it('gives the long listing with copies, host and an active job', async () => {
    const jobs = seedJobs();
    harness.intake.job(jobs.aliceOld).state = 'printing';
    const text = await listing(harness, '\x04Default\n');
    expect(text).to.include(`alice: active`);
    expect(text).to.include(`[job ${jobs.aliceOld} 127.0.0.1]`);
    expect(text).to.match(/bob: 1st\s+\[job \d+ 127\.0\.0\.1\]/);
    expect(text).to.include('2 copies of memo');
  });

  it('says "no entries" for an empty queue, "not ready" for an offline one, and names an unknown one', async () => {
    expect(await listing(harness, '\x03Default\n')).to.equal('Default is ready\nno entries\n');
    expect(await listing(harness, '\x04Offline\n')).to.equal('Offline is not ready (offline)\nno entries\n');
    expect(await listing(harness, '\x03Nowhere\n')).to.equal('Nowhere: unknown queue\n');
  });

  it("removes the agent's own jobs only; root is not special", async () => {
    const jobs = seedJobs();
    expect(await remove(harness, `\x05Default alice ${jobs.aliceOld}\n`)).to.equal(0);
    expect(harness.intake.job(jobs.aliceOld).state).to.equal('deleted');
    expect(await remove(harness, `\x05Default alice ${jobs.bob}\n`)).to.equal(1);
    expect(await remove(harness, `\x05Default root ${jobs.bob}\n`)).to.equal(1);
    expect(await remove(harness, '\x05Default alice bob\n')).to.equal(1);
    expect(harness.intake.job(jobs.bob).state).to.equal('ready');
    expect(await remove(harness, `\x05Default carol ${jobs.printed}\n`)).to.equal(1);
    expect(logsMatching(harness.logLines, 'LPD remove-jobs refused').length).to.be.greaterThan(2);
  });

  it('removes all own jobs by user name, and the oldest own job with no operand', async () => {
    const jobs = seedJobs();
    const extra = harness.intake.addJob({ owner: 'bob', queueName: 'Default', name: 'later' });
    expect(await remove(harness, '\x05Default bob\n')).to.equal(0);
    expect(harness.intake.job(jobs.bob).state).to.equal('deleted');
    expect(harness.intake.job(extra.number).state).to.equal('ready');
    expect(await remove(harness, '\x05Default alice alice\n')).to.equal(0);
    expect(harness.intake.job(jobs.aliceOld).state).to.equal('deleted');
    expect(harness.intake.job(jobs.aliceNew).state).to.equal('deleted');
  });

  it('refuses to remove a job through another queue', async () => {
    const other = harness.intake.addJob({ owner: 'alice', queueName: 'Web', name: 'w' });
    expect(await remove(harness, `\x05Default alice ${other.number}\n`)).to.equal(1);
    expect(harness.intake.job(other.number).state).to.equal('ready');
  });
});

describe('LPD malformed input', function () {
  let harness: LpdHarness;

  beforeEach(async () => {
    harness = await startLpdHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  async function expectRefused(steps: Array<string | Buffer>, expectedAnswers: number[]): Promise<void> {
    const connection = await TestConnection.connect(harness.port);
    const answers: Array<number | null> = [];
    for (const step of steps) answers.push(await connection.request(step));
    expect(answers).to.deep.equal(expectedAnswers);
    await connection.closed;
  }

  it('answers unknown commands and empty lines with a negative ack', async () => {
    await expectRefused(['\x09Default\n'], [1]);
    await expectRefused(['\n'], [1]);
    await expectRefused(['\x05Default\n'], [1]);
  });

  it('closes a connection whose command line is longer than 1 KiB', async () => {
    await expectRefused([`\x02${'Q'.repeat(2000)}`], [1]);
  });

  it('refuses malformed subcommands, oversized control files and data files over the limit', async () => {
    await expectRefused(['\x02Default\n', '\x02abc cfA001h\n'], [0, 1]);
    await expectRefused(['\x02Default\n', '\x02100\n'], [0, 1]);
    await expectRefused(['\x02Default\n', '\x07 12 x\n'], [0, 1]);
    await expectRefused(['\x02Default\n', controlFileHeader('x'.repeat(70_000))], [0, 1]);
    await expectRefused(['\x02Default\n', dataFileHeader(2 * 1024 * 1024)], [0, 1]);
    await expectRefused(['\x02Default\n', '\x02999999999999999999 cfA001h\n'], [0, 1]);
    expect(harness.intake.records).to.have.length(0);
  });

  it('refuses a file that is not followed by NUL and keeps nothing of it', async () => {
    const control = controlFile({ user: 'alice', prints: [{ dataFile: 'dfA001h' }] });
    await expectRefused(
      ['\x02Default\n', controlFileHeader(control), `${control}\x00`, dataFileHeader(4, 'dfA001h'), 'abcdX'],
      [0, 0, 0, 0, 1],
    );
    await expectRefused(['\x02Default\n', controlFileHeader(control), `${control}X`], [0, 0, 1]);
    expect(harness.intake.records).to.have.length(0);
    await eventually(() => harness.intake.failedSubmits.length === 1, 'the core to see the stream fail');
  });

  it('refuses a control file with a NUL inside', async () => {
    const control = 'Palice\n\x00ldfA001h\n';
    await expectRefused(['\x02Default\n', controlFileHeader(control), `${control}\x00`], [0, 0, 1]);
  });

  it('keeps serving after every refusal', async () => {
    await expectRefused(['\x09\n'], [1]);
    const connection = await TestConnection.connect(harness.port);
    expect(await connection.request('\x01Default\n')).to.equal(0);
    await connection.closed;
  });
});
