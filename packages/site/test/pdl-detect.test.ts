/**
 * Language detection on real output of every ghostscript device the job analysis meets: pxlmono and pxlcolor
 * (PCL XL, which gs wraps in PJL itself), ljet4 (PCL 5), ps2write (PostScript), pdfwrite (PDF), jpeg,
 * pwgraster and urf, each with and without a PJL header; random garbage is `unknown`. The same outputs, joined
 * into one spool file, are split back into their parts by findUelSegments.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ensureDebianPackages } from '@quire/testkit';
import { detectPdl, findUelSegments } from '../src/pdl/detect';
import type { PdlName } from '../src/pdl/pdl-types';

const run = promisify(execFile);
const UEL = '\x1b%-12345X';

interface DeviceCase {
  device: string;
  pdl: PdlName;
  /** The PJL language a driver would name for it. */
  pjlLanguage: string;
  /** Extra gs options (page size for raster formats, so files stay small). */
  options?: string[];
}

const DEVICES: DeviceCase[] = [
  { device: 'pxlmono', pdl: 'pcl-xl', pjlLanguage: 'PCLXL' },
  { device: 'pxlcolor', pdl: 'pcl-xl', pjlLanguage: 'PCLXL' },
  { device: 'ljet4', pdl: 'pcl5', pjlLanguage: 'PCL' },
  { device: 'ps2write', pdl: 'postscript', pjlLanguage: 'POSTSCRIPT' },
  { device: 'pdfwrite', pdl: 'pdf', pjlLanguage: 'PDF' },
  { device: 'jpeg', pdl: 'jpeg', pjlLanguage: 'JPEG', options: ['-r20'] },
  { device: 'pwgraster', pdl: 'pwg-raster', pjlLanguage: 'PWG', options: ['-r20'] },
  { device: 'urf', pdl: 'urf', pjlLanguage: 'URF', options: ['-r20'] },
];

const SOURCE = [
  '%!PS',
  '<< /PageSize [595 842] >> setpagedevice',
  '/Helvetica findfont 24 scalefont setfont',
  '72 720 moveto (One) show showpage',
  '1 0 0 setrgbcolor 100 100 200 200 rectfill showpage',
  '',
].join('\n');

function pjlHeader(language: string): string {
  return `${UEL}@PJL JOB NAME="test"\r\n@PJL SET USERNAME="alice"\r\n@PJL ENTER LANGUAGE=${language}\r\n`;
}

describe('PDL detection of ghostscript output', function () {
  this.timeout(60000);
  let dir: string;
  /** Each device's output without any PJL (gs's own PJL around PCL XL removed). */
  const bare = new Map<string, Buffer>();

  before(async function () {
    this.timeout(20 * 60 * 1000);
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(join(tmpdir(), 'quire-pdl-detect-'));
    const input = join(dir, 'source.ps');
    writeFileSync(input, SOURCE);
    for (const { device, options = [] } of DEVICES) {
      const output = join(dir, `out.${device}`);
      // One page is enough for single-image formats (jpeg writes only the first page to a plain file name).
      const pages = device === 'jpeg' ? ['-dLastPage=1'] : [];
      await run('gs', [
        '-q',
        '-dBATCH',
        '-dNOPAUSE',
        '-dSAFER',
        ...pages,
        ...options,
        `-sDEVICE=${device}`,
        `-sOutputFile=${output}`,
        input,
      ]);
      const bytes = readFileSync(output);
      const { dataOffset } = detectPdl(bytes.subarray(0, 65536));
      const end = bytes.lastIndexOf(UEL) > dataOffset ? bytes.lastIndexOf(UEL) : bytes.length;
      bare.set(device, bytes.subarray(dataOffset, end));
    }
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('recognises every device output without a PJL header', () => {
    for (const { device, pdl } of DEVICES) {
      const bytes = bare.get(device) as Buffer;
      expect(detectPdl(bytes.subarray(0, 65536)), device).to.deep.equal({
        pdl,
        pjlLanguage: null,
        dataOffset: 0,
      });
    }
  });

  it('recognises every device output behind a PJL header, and where its data starts', () => {
    for (const { device, pdl, pjlLanguage } of DEVICES) {
      const header = pjlHeader(pjlLanguage);
      const wrapped = Buffer.concat([Buffer.from(header, 'latin1'), bare.get(device) as Buffer]);
      expect(detectPdl(wrapped.subarray(0, 65536)), device).to.deep.equal({
        pdl,
        pjlLanguage,
        dataOffset: header.length,
      });
    }
  });

  it('recognises gs own PJL-wrapped PCL XL as it comes', () => {
    for (const device of ['pxlmono', 'pxlcolor']) {
      const bytes = readFileSync(join(dir, `out.${device}`));
      const result = detectPdl(bytes.subarray(0, 65536));
      expect(result.pdl).to.equal('pcl-xl');
      expect(result.pjlLanguage).to.equal('PCLXL');
      expect(bytes.subarray(result.dataOffset, result.dataOffset + 11).toString('latin1')).to.equal(
        ') HP-PCL XL',
      );
    }
  });

  it('calls random garbage unknown', () => {
    for (let i = 0; i < 200; i += 1) {
      const noise = randomBytes(64 + i);
      // Keep away from the one-byte-lucky signatures: a leading '%', ESC, 0xFF or ')' could be real data.
      noise[0] = 0x41 + (i % 20);
      expect(detectPdl(noise).pdl).to.equal('unknown');
    }
  });

  it('splits one spool file holding every output, each behind its own PJL header', async () => {
    const parts = DEVICES.map(({ device, pjlLanguage }) =>
      Buffer.concat([Buffer.from(pjlHeader(pjlLanguage), 'latin1'), bare.get(device) as Buffer]),
    );
    const spool = Buffer.concat([...parts, Buffer.from(`${UEL}@PJL EOJ\r\n${UEL}`, 'latin1')]);
    const path = join(dir, 'all.prn');
    writeFileSync(path, spool);
    const found = await findUelSegments(
      { path, offset: 0, length: spool.length },
      { deadline: Date.now() + 20000, maxBufferBytes: 64 * 1024 },
    );
    expect(found.segments.map((segment) => segment.pdl)).to.deep.equal(DEVICES.map((entry) => entry.pdl));
    for (const [index, segment] of found.segments.entries()) {
      const data = spool.subarray(segment.offset, segment.offset + segment.length);
      expect(data.equals(bare.get(DEVICES[index].device) as Buffer), DEVICES[index].device).to.equal(true);
      expect(segment.variables).to.include({ USERNAME: 'alice', 'JOB NAME': 'test' });
    }
  });
});
