/**
 * `quire-site pdl analyze` as a child process on documents made with ghostscript: one JSON object per line and
 * file with the analysis fields plus `file`, a readable table otherwise, a missing file reported on standard
 * error with exit code 1 after the others are printed, and no configuration or database needed (a broken
 * QUIRE_DB_URL does not matter).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages } from '@quire/testkit';
import { A3, A4, renderWithGs } from './pdl-analysis-documents';

const CLI = path.join(__dirname, '..', 'src', 'cli.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, QUIRE_DB_URL: 'not-a-database-url' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

describe('quire-site pdl analyze', function () {
  this.timeout(60_000);
  let dir: string;
  let pxl: string;
  let pdf: string;
  let pcl: string;
  let ps: string;
  let pjlCopies: string;

  before(async function () {
    this.timeout(120_000);
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdl-cli-'));
    pxl = await renderWithGs(
      dir,
      'colour',
      'pxlcolor',
      [
        { color: true, size: A4 },
        { color: false, size: A4 },
        { color: false, size: A4 },
      ],
      { duplex: 'short-edge' },
    );
    pdf = await renderWithGs(dir, 'mixed', 'pdfwrite', [
      { color: false, size: A3 },
      { color: true, size: A4 },
    ]);
    pcl = await renderWithGs(dir, 'laser', 'ljet4', [
      { color: true, size: A4 },
      { color: false, size: A4 },
    ]);
    ps = await renderWithGs(
      dir,
      'duplex',
      'ps2write',
      [
        { color: false, size: A4 },
        { color: true, size: A4 },
        { color: false, size: A3 },
      ],
      { duplex: 'long-edge' },
    );
    // The same PCL XL, wrapped in a PJL header that asks for 3 collated sets.
    pjlCopies = path.join(dir, 'qty.prn');
    writeFileSync(
      pjlCopies,
      Buffer.concat([
        Buffer.from('\x1b%-12345X@PJL SET QTY=3\r\n@PJL SET USERNAME="bob"\r\n'),
        readFileSync(pxl),
      ]),
    );
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object per line and file, in argument order, with the analysis fields and the file', async () => {
    const result = await runCli(['pdl', 'analyze', '--json', pxl, pdf, pcl, pjlCopies]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.equal('');
    const lines = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.file)).to.deep.equal([pxl, pdf, pcl, pjlCopies]);
    expect(Object.keys(lines[0])).to.have.members([
      'file',
      'pdl',
      'pages',
      'copies',
      'copiesFrom',
      'impressions',
      'sheets',
      'colorPages',
      'monoPages',
      'duplex',
      'paper',
      'pjl',
      'mode',
      'warnings',
      'partial',
    ]);
    expect(lines[0]).to.deep.include({
      pdl: 'pcl-xl',
      pages: 3,
      copies: 1,
      sheets: 2,
      colorPages: 1,
      monoPages: 2,
      duplex: 'short-edge',
      paper: { iso_a4_210x297mm: 3 },
      mode: 'standard',
      partial: false,
    });
    expect(lines[1]).to.deep.include({
      pdl: 'pdf',
      pages: 2,
      colorPages: 1,
      monoPages: 1,
      paper: { iso_a3_297x420mm: 1, iso_a4_210x297mm: 1 },
    });
    expect(lines[2]).to.deep.include({ pdl: 'pcl5', pages: 2, colorPages: 0, monoPages: 2 });
    expect(lines[3]).to.deep.include({ pdl: 'pcl-xl', pages: 3, copies: 3, impressions: 9, sheets: 6 });
    expect(lines[3].pjl).to.include({ QTY: '3', USERNAME: 'bob' });
  });

  it('prints a table, and reports a missing file on standard error with exit code 1 after the others', async () => {
    const missing = path.join(dir, 'missing.prn');
    const result = await runCli(['pdl', 'analyze', '--mode=standard', missing, pxl, pdf]);
    expect(result.code).to.equal(1);
    const [header, ...rows] = result.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).to.deep.equal([
      'FILE',
      'PDL',
      'PAGES',
      'COPIES',
      'COLOUR/MONO',
      'DUPLEX',
      'PAPER',
      'WARNINGS',
    ]);
    expect(rows).to.have.length(2);
    expect(rows[0].split(/\s{2,}/)).to.deep.equal([
      pxl,
      'pcl-xl',
      '3',
      '1',
      '1/2',
      'short-edge',
      'iso_a4_210x297mm×3',
      '-',
    ]);
    expect(rows[1]).to.contain(pdf).and.contain('pdf').and.contain('1/1');
    expect(result.stderr).to.contain(`quire-site pdl analyze: ${missing}: `).and.contain('ENOENT');
  });

  it('takes PostScript and PDF colour from ghostscript ink coverage with --mode enhanced', async () => {
    // ps2write keeps pages, colour and sizes but not Duplex; the source it was made from asks for long-edge.
    const source = path.join(dir, 'duplex.ps');
    const result = await runCli(['pdl', 'analyze', '--json', '--mode', 'enhanced', ps, source, pdf]);
    expect(result.code, result.stderr).to.equal(0);
    const [postScript, original, portable] = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(postScript).to.deep.include({
      pdl: 'postscript',
      pages: 3,
      sheets: 3,
      colorPages: 1,
      monoPages: 2,
      duplex: 'simplex',
      mode: 'enhanced',
      paper: { iso_a4_210x297mm: 2, iso_a3_297x420mm: 1 },
    });
    expect(original).to.deep.include({
      pdl: 'postscript',
      pages: 3,
      sheets: 2,
      duplex: 'long-edge',
      colorPages: 1,
    });
    expect(portable).to.deep.include({ pdl: 'pdf', pages: 2, colorPages: 1, mode: 'enhanced', warnings: [] });
  });

  it('refuses an unknown mode', async () => {
    const result = await runCli(['pdl', 'analyze', '--mode', 'fast', pxl]);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.contain('standard, enhanced');
    expect(result.stdout).to.equal('');
  });
});
