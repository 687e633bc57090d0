/**
 * The driverless path with a real cupsd: a private cupsd (own config dir, loopback port, stopped by PID) adds
 * our queue with `lpadmin -m everywhere`, which builds its PPD from our printer attributes, then `lp` to that
 * queue sends the job through cupsd's filters and IPP backend into our listener, owned by the user lp names (-U).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startCupsd, type Cupsd } from '@quire/testkit';
import { expect } from 'chai';
import { minimalPdf, startTestIppServer, type TestIppServer } from './ipp-harness';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('IPP with a real cupsd (lpadmin -m everywhere)', function () {
  this.timeout(120_000);
  let server: TestIppServer;
  let cupsd: Cupsd | undefined;

  before(async function () {
    this.timeout(20 * 60 * 1000);
    server = await startTestIppServer();
    cupsd = await startCupsd();
  });

  after(async () => {
    await cupsd?.stop();
    await server?.stop();
  });

  const cups = (command: string, args: string[]) => cupsd!.run(command, args);
  const dir = () => cupsd!.dir;

  it('adds the queue driverless and prints through it, the job arriving owned by the user lp names', async () => {
    const added = await cups('lpadmin', [
      '-p',
      'QuireEverywhere',
      '-E',
      '-v',
      server.printerUri(),
      '-m',
      'everywhere',
    ]);
    expect(added.code, added.output).to.equal(0);
    // cupsd writes the generated PPD a moment after lpadmin returns.
    const ppd = await waitFor('the generated PPD', () =>
      readFile(path.join(dir(), 'ppd', 'QuireEverywhere.ppd'), 'utf8').catch(() => undefined),
    );
    expect(ppd).to.match(/\*cupsFilter2: "application\/vnd\.cups-pdf application\/pdf/);
    expect(ppd).to.match(/\*DefaultPageSize: A4/);
    expect(ppd).to.match(/\*PageSize Letter/);
    const file = path.join(dir(), 'page.pdf');
    await writeFile(file, minimalPdf('Through cupsd'));
    const printed = await cups('lp', ['-d', 'QuireEverywhere', '-U', 'alice', file]);
    expect(printed.code, printed.output).to.equal(0);
    const job = await waitFor('the job to reach Quire', async () => server.intake.jobs[0]);
    expect(job.view.owner).to.equal('alice');
    expect(job.view.queueName).to.equal('Default');
    expect(job.incoming.documentFormat).to.equal('application/pdf');
    expect(job.document.subarray(0, 5).toString()).to.equal('%PDF-');
    await waitFor('cupsd to see the job completed', async () => {
      const result = await cups('lpstat', ['-W', 'completed', '-o', 'QuireEverywhere']);
      return /QuireEverywhere-1\s/.test(result.output) ? true : undefined;
    });
  });
});
