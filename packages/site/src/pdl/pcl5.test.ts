/**
 * Unit tests of the PCL 5 analyser on hand-written jobs: which commands eject pages (and which only when the
 * page was drawn on), copies, duplex and paper per page, data skipped by length, HP-GL/2, colour from the
 * foreground, palettes and raster pixels, implicit ejects from line feeds, macros, and damaged input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { analysePcl5 } from './pcl5';
import type { LanguageAnalysis } from './pdl-types';

const E = '\x1bE';
const FF = '\x0c';

let dir: string;
let counter = 0;

async function analyse(job: string | Buffer, maxBufferBytes = 1 << 20, deadline = Date.now() + 20000) {
  const bytes = Buffer.isBuffer(job) ? job : Buffer.from(job, 'latin1');
  const path = join(dir, `job-${(counter += 1)}.pcl`);
  writeFileSync(path, bytes);
  return analysePcl5({ path, offset: 0, length: bytes.length }, { deadline, maxBufferBytes });
}

function colours(result: LanguageAnalysis): (boolean | null)[] {
  return result.pages.map((page) => page.color);
}

function bytes(...values: number[]): string {
  return Buffer.from(values).toString('latin1');
}

describe('analysePcl5', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quire-pcl5-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('page ejects', () => {
    it('counts every form feed, blank pages included, but not a final reset after one', async () => {
      const result = await analyse(`${E}Hello${FF}${FF}World${FF}${E}`);
      expect(result.pages).to.have.length(3);
      expect(result.partial).to.equal(false);
      expect(result.pdl).to.equal('pcl5');
    });

    it('ejects a drawn page at a reset or at the end of the data, and nothing for an undrawn one', async () => {
      expect((await analyse(`${E}Hello${E}${E}`)).pages).to.have.length(1);
      expect((await analyse(`${E}Hello`)).pages).to.have.length(1);
      expect((await analyse(`${E}\x1b&l26A   \r\n${E}`)).pages).to.have.length(0);
      expect((await analyse('')).pages).to.have.length(0);
    });

    it('goes to the next page on page size, orientation, duplex and side commands only when drawn', async () => {
      const result = await analyse(`${E}A\x1b&l3AB\x1b&l1OC\x1b&l1SD\x1b&a2G\x1b&l1S${E}`);
      expect(result.pages.map((page) => page.paper)).to.deep.equal([
        null,
        'na_legal_8.5x14in',
        'na_legal_8.5x14in',
        'na_legal_8.5x14in',
      ]);
    });

    it('skips raster and font data by their declared lengths, form feeds and resets inside included', async () => {
      const raster = `\x1b*r1A\x1b*b7W${FF}${E}${FF}\x1b${FF}${FF}\x1b*rB`;
      const font = `\x1b)s8W${FF}${FF}${E}${FF}${FF}${FF}\x1b`;
      const result = await analyse(`${E}${font}${raster}${FF}${E}`);
      expect(result.pages).to.have.length(1);
    });

    it('counts HP-GL/2 sections that draw, and not those that only set up', async () => {
      expect((await analyse(`${E}\x1b%1BIN;SP1;PU100,100;PD200,200;\x1b%0A${E}`)).pages).to.have.length(1);
      expect((await analyse(`${E}\x1b%1BIN;SP1;PU100,100;\x1b%0A${E}`)).pages).to.have.length(0);
      expect((await analyse(`${E}\x1b%1BIN;LBHello\x03;\x1b%0A${E}`)).pages).to.have.length(1);
      expect((await analyse(`${E}\x1b%1BIN;CI50;${E}`)).pages).to.have.length(1);
      // A comment is not drawing, whatever it says; DT changes the label terminator.
      expect((await analyse(`${E}\x1b%1BIN;CO"PD10,10;CI50";PU;\x1b%0A${E}`)).pages).to.have.length(0);
      expect((await analyse(`${E}\x1b%1BIN;DT*;LB\x03*\x1b%0A${E}`)).pages).to.have.length(0);
      expect((await analyse(`${E}\x1b%1BIN;DT*;LBx\x03y*\x1b%0A${E}`)).pages).to.have.length(1);
    });

    it('counts rules with an area, and text from transparent print data', async () => {
      expect((await analyse(`${E}\x1b*c100a100b0P${E}`)).pages).to.have.length(1);
      expect((await analyse(`${E}\x1b*c0a100b0P${E}`)).pages).to.have.length(0);
      expect((await analyse(`${E}\x1b&p3X\x01\x02\x03${E}`)).pages).to.have.length(1);
    });
  });

  describe('line feeds past the bottom of the page', () => {
    const lines = (count: number, end = '\r\n') =>
      Array.from({ length: count }, (_, i) => `line ${i}${end}`).join('');

    it('ejects after 60 lines on Letter and 64 on A4, as a printer does', async () => {
      const letter = await analyse(`${E}${lines(130)}${E}`);
      expect(letter.pages).to.have.length(3);
      expect(letter.warnings.join(' ')).to.match(/Letter page length was assumed/);
      expect((await analyse(`${E}\x1b&l2A${lines(120)}${E}`)).pages).to.have.length(2);
      expect((await analyse(`${E}\x1b&l2A${lines(121)}${E}`)).pages).to.have.length(3);
      expect((await analyse(`${E}\x1b&l26A${lines(128)}${E}`)).pages).to.have.length(2);
      expect((await analyse(`${E}\x1b&l26A${lines(129)}${E}`)).pages).to.have.length(3);
    });

    it('follows perforation skip, line spacing and the CR-as-CRLF line termination', async () => {
      // Without perforation skip the first page holds 63 lines, the next ones 66 (they start higher).
      expect((await analyse(`${E}\x1b&l2a0L${lines(129)}${E}`)).pages).to.have.length(2);
      expect((await analyse(`${E}\x1b&l2a0L${lines(130)}${E}`)).pages).to.have.length(3);
      expect((await analyse(`${E}\x1b&l2a8D${lines(161)}${E}`)).pages).to.have.length(3);
      expect((await analyse(`${E}\x1b&l2A\x1b&k1G${lines(121, '\r')}${E}`)).pages).to.have.length(3);
      expect((await analyse(`${E}\x1b&l2A${lines(121, '\r')}${E}`)).pages).to.have.length(1);
    });
  });

  describe('copies, duplex and paper', () => {
    it('reads the settings of a combined sequence', async () => {
      const result = await analyse(`${E}\x1b&l1s26a2XText${FF}${E}`);
      expect(result.copies).to.equal(2);
      expect(result.duplex).to.equal('long-edge');
      expect(result.pages).to.deep.equal([{ color: false, paper: 'iso_a4_210x297mm', duplex: 'long-edge' }]);
    });

    it('maps the page size codes to PWG names, custom sizes included', async () => {
      const codes: [number, string][] = [
        [1, 'na_executive_7.25x10.5in'],
        [2, 'na_letter_8.5x11in'],
        [3, 'na_legal_8.5x14in'],
        [6, 'na_ledger_11x17in'],
        [25, 'iso_a5_148x210mm'],
        [26, 'iso_a4_210x297mm'],
        [27, 'iso_a3_297x420mm'],
        [90, 'iso_dl_110x220mm'],
      ];
      const job = codes.map(([code]) => `\x1b&l${code}AX${FF}`).join('');
      const result = await analyse(`${E}${job}\x1b&f5953i8419J\x1b&l101AX${FF}`);
      expect(result.pages.map((page) => page.paper)).to.deep.equal([
        ...codes.map(([, name]) => name),
        'iso_a4_210x297mm',
      ]);
    });

    it('keeps the paper on an unknown size code, with a warning', async () => {
      const result = await analyse(`${E}\x1b&l26AA${FF}\x1b&l999AB${FF}`);
      expect(result.pages.map((page) => page.paper)).to.deep.equal(['iso_a4_210x297mm', 'iso_a4_210x297mm']);
      expect(result.warnings.join(' ')).to.match(/unknown PCL page size code 999/);
    });

    it('reports duplex per page when it changes, and resets it with ESC E', async () => {
      const result = await analyse(`${E}\x1b&l0SA${FF}\x1b&l2SB${FF}${E}C${FF}`);
      expect(result.pages.map((page) => page.duplex)).to.deep.equal(['simplex', 'short-edge', null]);
      expect(result.duplex).to.equal(null);
    });

    it('lists each page once per copy when the copy count changes between pages', async () => {
      const result = await analyse(`${E}\x1b&l2XA${FF}\x1b&l1XB${FF}${E}`);
      expect(result.copies).to.equal(1);
      expect(result.pages).to.have.length(3);
      expect(result.warnings.join(' ')).to.match(/copies .* changes between pages/);
    });
  });

  describe('colour', () => {
    it('takes text and rules colour from the foreground palette entry', async () => {
      const rgb = await analyse(`${E}\x1b*r3U\x1b*v1SRed${FF}\x1b*v0SBlack${FF}\x1b*v6S\x1b*c9a9b0P${FF}`);
      expect(colours(rgb)).to.deep.equal([true, false, true]);
      const cmy = await analyse(`${E}\x1b*r-3U\x1b*v7SBlack${FF}\x1b*v1SCyan${FF}${E}Mono${FF}`);
      expect(colours(cmy)).to.deep.equal([false, true, false]);
    });

    it('reads palette entries set with ESC *v#a#b#c#I, with a tolerance for near greys', async () => {
      const red = `\x1b*v255a0b0c2I\x1b*v2SX${FF}`;
      const grey = `\x1b*v128a128b130c2I\x1b*v2SX${FF}`;
      expect(colours(await analyse(`${E}\x1b*r3U${red}${grey}`))).to.deep.equal([true, false]);
    });

    it('prints everything grey in monochrome print mode, and erase rules are white', async () => {
      expect(colours(await analyse(`${E}\x1b&b1M\x1b*r3U\x1b*v1SRed${FF}`))).to.deep.equal([false]);
      expect(colours(await analyse(`${E}\x1b*r3U\x1b*v1S\x1b*c9a9b1P${FF}`))).to.deep.equal([false]);
    });

    it('reads colour from CMY planar raster pixels, not from the palette alone', async () => {
      const start = `${E}\x1b*r-3U\x1b*r1A\x1b*b0M`;
      const greyRow = `\x1b*b2V${bytes(0xff, 0)}\x1b*b2V${bytes(0xff, 0)}\x1b*b2W${bytes(0xff, 0)}`;
      const cyanRow = `\x1b*b2V${bytes(0xf0, 0)}\x1b*b2V${bytes(0, 0)}\x1b*b2W${bytes(0, 0)}`;
      expect(colours(await analyse(`${start}${greyRow}${greyRow}\x1b*rB${FF}`))).to.deep.equal([false]);
      expect(colours(await analyse(`${start}${greyRow}${cyanRow}\x1b*rB${FF}`))).to.deep.equal([true]);
    });

    it('reads direct RGB raster through every compression method', async () => {
      const start = `${E}\x1b*v6W${bytes(0, 3, 0, 8, 8, 8)}\x1b*r1A`;
      const row = (method: number, data: number[]) => `\x1b*b${method}m${data.length}W${bytes(...data)}`;
      const grey = row(0, [0x80, 0x80, 0x80, 0x10, 0x10, 0x10]);
      const cases: [string, boolean][] = [
        [grey, false],
        [row(1, [0, 255, 1, 0]), true],
        [row(1, [2, 200]), false],
        [row(2, [2, 255, 0, 0]), true],
        [row(2, [254, 9]), false],
        [grey + row(3, [0x01, 0x00]), true],
        [grey + row(3, [0x40, 0x77, 0x77, 0x77]), false],
        [grey + row(9, [0x08, 0x00]), true],
        [grey + row(9, [0xa0, 0x00]), true],
        [grey + row(9, [0x81, 0xff]), false],
        [row(5, [0, 0, 3, 255, 0, 0]), true],
        [row(5, [0, 0, 3, 9, 9, 9, 4, 0, 2, 5, 0, 7]), false],
      ];
      for (const [rows, colour] of cases) {
        expect(colours(await analyse(`${start}${rows}\x1b*rB${FF}`)), JSON.stringify(rows)).to.deep.equal([
          colour,
        ]);
      }
    });

    it('says colour is unknown for raster in a compression it cannot read', async () => {
      const job = `${E}\x1b*v6W${bytes(0, 3, 0, 8, 8, 8)}\x1b*r1A\x1b*b7m3W${bytes(1, 2, 3)}\x1b*rB${FF}`;
      expect(colours(await analyse(job))).to.deep.equal([null]);
      const mono = `${E}\x1b*r1A\x1b*b7m3W${bytes(1, 2, 3)}\x1b*rB${FF}`;
      expect(colours(await analyse(mono))).to.deep.equal([false]);
    });

    it('reads HP-GL/2 pen colours from the palette and PC', async () => {
      const pens = `${E}\x1b*r3U\x1b%1BIN;SP1;PD;PA10,10;\x1b%0A${FF}\x1b%1BIN;SP0;PD;PA10,10;\x1b%0A${FF}`;
      expect(colours(await analyse(pens))).to.deep.equal([true, false]);
      const pc = `${E}\x1b*r3U\x1b%1BIN;PC0,255,255,255;SP0;PD;PA10,10;PC0,0,200,0;PA20,20;\x1b%0A${FF}`;
      expect(colours(await analyse(pc))).to.deep.equal([true]);
    });
  });

  describe('macros', () => {
    it('does not run a macro while defining it, and counts the pages it ejects when run', async () => {
      expect((await analyse(`${E}\x1b&f1y0XForm text${FF}\x1b&f1X${E}`)).pages).to.have.length(0);
      expect((await analyse(`${E}\x1b&f2y0XPage${FF}\x1b&f1X\x1b&f2y2X\x1b&f3X${E}`)).pages).to.have.length(
        2,
      );
    });

    it('runs an overlay at each page end, for its colour, without leaking its state', async () => {
      const overlay = `\x1b*r3U\x1b&f3y0X\x1b*v1S\x1b*c9a9b0P\x1b&f1X\x1b&f3y4X`;
      const withOverlay = await analyse(`${E}${overlay}\x1b*v0SBlack${FF}Black${FF}`);
      expect(colours(withOverlay)).to.deep.equal([true, true]);
      const called = await analyse(`${E}\x1b*r3U\x1b&f4y0X\x1b*v1S\x1b&f1X\x1b*v0S\x1b&f4y3XBlack${FF}`);
      expect(colours(called)).to.deep.equal([false]);
    });
  });

  describe('damaged, mixed and hostile input', () => {
    it('reports a job cut inside raster data as partial, counting the drawn page', async () => {
      const result = await analyse(`${E}Text\x1b*r1A\x1b*b100Wabc`);
      expect(result.partial).to.equal(true);
      expect(result.pages).to.have.length(1);
      expect(result.warnings.join(' ')).to.match(/truncated/);
    });

    it('stops at a switch to another language after a UEL', async () => {
      const result = await analyse(`${E}A${FF}\x1b%-12345X@PJL ENTER LANGUAGE=POSTSCRIPT\n%!PS\nshowpage\n`);
      expect(result.pages).to.have.length(1);
      expect(result.partial).to.equal(false);
      expect(result.warnings.join(' ')).to.match(/switches to POSTSCRIPT/);
    });

    it('stops at the time limit with a partial result', async () => {
      const result = await analyse(`${E}${'A\x0c'.repeat(1000)}`, 4096, Date.now() - 1);
      expect(result.partial).to.equal(true);
      expect(result.warnings.join(' ')).to.match(/time limit/);
    });

    it('gives the same result whatever the chunk size', async () => {
      const row = `\x1b*b3W${bytes(0x1b, 0x0c, 0x45)}`;
      const page = (i: number) => `\x1b&l${i % 2 ? 26 : 2}A\x1b*r1A${row.repeat(50)}\x1b*rBText ${i}${FF}`;
      const job = `${E}${Array.from({ length: 40 }, (_, i) => page(i)).join('')}${E}`;
      const small = await analyse(job, 4096 * 4);
      const large = await analyse(job, 1 << 24);
      expect(small.pages).to.have.length(40);
      expect(small).to.deep.equal(large);
    });

    it('never throws on random or mutated data', async () => {
      const sample = Buffer.from(
        `${E}\x1b&l26a2X\x1b*r1A\x1b*b3W\x01\x02\x03\x1b*rBText${FF}\x1b%1BPD1,1;\x1b%0A`,
        'latin1',
      );
      for (let i = 0; i < 200; i += 1) {
        const input = i % 2 === 0 ? randomBytes(1 + (i % 500)) : Buffer.from(sample);
        if (i % 2 === 1)
          for (let k = 0; k < 4; k += 1) input[(i * 7 + k * 13) % input.length] = (i * 31 + k) & 0xff;
        const result = await analyse(input);
        expect(result.pages.length).to.be.at.least(0);
      }
    });
  });
});
