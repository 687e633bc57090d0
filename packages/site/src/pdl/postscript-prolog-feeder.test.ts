/**
 * The prolog cache in the analyser: jobs that share a long prolog are restored from a snapshot and give exactly
 * the analysis running every byte gives; a job differing by one byte, a prolog that sets the page device, or
 * one whose state is not quiescent at the checkpoint is run in full; and random variants of a job family (DSC
 * lines, page-device and colour code, broken syntax, cuts and flipped bytes anywhere) always agree.
 */
import { expect } from 'chai';
import { type LanguageAnalysis } from './pdl-types';
import { analysePostScriptWith } from './postscript';
import { PrologCache } from './postscript-prolog-cache';
import { type PrologSnapshot, programStart } from './postscript-prolog-feeder';

/** Counts what the analyser asks of the cache. */
class CountingCache extends PrologCache<PrologSnapshot> {
  hits = 0;
  stored = 0;
  override lookup(context: string, program: Buffer) {
    const entry = super.lookup(context, program);
    if (entry !== null) this.hits += 1;
    return entry;
  }
  override store(context: string, program: Buffer, checkpoint: number, snapshot: PrologSnapshot): void {
    this.stored += 1;
    super.store(context, program, checkpoint, snapshot);
  }
}

/** About 30 KB of prolog: bound procedures, a self-referring dictionary, arrays shared with procedures. */
function prolog(copies = 2, extra = ''): string {
  const lines = ['/Q 500 dict def Q begin', '/this currentdict def', `/copies ${copies} def`];
  for (let i = 0; i < 600; i += 1) {
    lines.push(`/p${i} { ${i} ${i % 3} add pop //this /copies get pop currentpoint } bind def`);
    if (i % 100 === 99)
      lines.push(`%%BeginResource: procset p${i}`, `/r${i} [ ${i} /x ] def`, '%%EndResource');
  }
  lines.push(
    '/arr [ 1 0 0 ] def /fillred arr cvx def',
    '/EP { showpage } bind def',
    `/setup { << /NumCopies copies >> setpagedevice } def`,
    'end',
    extra,
  );
  return lines.join('\n');
}

/** A DSC job: header, prolog, a per-job resource, then pages painted in colour every `colourEvery` pages. */
function job(
  pages: number,
  options: { prolog?: string; resource?: string; colourEvery?: number } = {},
): Buffer {
  const body = [
    '%!PS-Adobe-3.0',
    '%%Creator: prolog cache test',
    `%%Pages: ${pages}`,
    '%%EndComments',
    '%%BeginProlog',
    options.prolog ?? prolog(),
    `%%BeginResource: font F${pages}`,
    options.resource ?? `/F${pages} ${pages} def`,
    '%%EndResource',
    '%%EndProlog',
  ];
  for (let page = 1; page <= pages; page += 1) {
    const colour = page % (options.colourEvery ?? 2) === 0 ? 'Q begin fillred end setrgbcolor' : '0 setgray';
    body.push(`%%Page: ${page} ${page}`, 'Q begin setup end', colour, '0 0 10 10 rectfill', 'Q begin EP end');
  }
  body.push('%%EOF', '');
  return Buffer.from(body.join('\n'), 'latin1');
}

async function analyse(
  bytes: Buffer,
  cache: PrologCache<PrologSnapshot> | null,
  maxBufferBytes = 4 * 1024 * 1024,
): Promise<LanguageAnalysis> {
  const source = { path: '', offset: 0, length: bytes.length, bytes };
  return analysePostScriptWith(source, { deadline: Date.now() + 60_000, maxBufferBytes }, cache);
}

/** Analyses `bytes` with `cache` and without any, expects the same, and returns it. */
async function agree(bytes: Buffer, cache: PrologCache<PrologSnapshot>, maxBufferBytes?: number) {
  const cached = await analyse(bytes, cache, maxBufferBytes);
  expect(cached).to.deep.equal(await analyse(bytes, null, maxBufferBytes));
  return cached;
}

describe('PostScript prolog cache in the analyser', () => {
  it('finds the first program byte after white space and comment lines', () => {
    const text = '%!PS-Adobe-3.0\r\n%%Pages: 1\r  \t%comment\n\n/a 1 def\n';
    expect(programStart(Buffer.from(text, 'latin1'))).to.equal(text.indexOf('/a'));
    expect(programStart(Buffer.from('%%EOF\n  ', 'latin1'))).to.equal(8);
    expect(programStart(Buffer.from('showpage', 'latin1'))).to.equal(0);
  });

  it('restores jobs sharing a prolog from a snapshot, with the same pages, colour and copies', async () => {
    const cache = new CountingCache();
    for (const pages of [3, 5, 4, 7, 1]) {
      const result = await agree(job(pages), cache);
      expect(result.pages).to.have.length(pages);
      expect(result.pages.map((page) => page.color)).to.deep.equal(
        Array.from({ length: pages }, (_, i) => (i + 1) % 2 === 0),
      );
      expect(result.copies).to.equal(2);
    }
    expect(cache.stored).to.equal(1);
    expect(cache.hits).to.equal(3);
  });

  it('runs a job whose prolog differs by one byte in full', async () => {
    const cache = new CountingCache();
    await agree(job(2), cache);
    await agree(job(3), cache);
    const changed = await agree(job(4, { prolog: prolog(3) }), cache);
    expect(changed.copies).to.equal(3);
    expect(cache.hits).to.equal(0);
    expect((await agree(job(5), cache)).copies).to.equal(2);
    expect(cache.hits).to.equal(1);
  });

  it('takes no snapshot of a prolog that changes the page device or ejects a page', async () => {
    for (const extra of ['<< /NumCopies 5 >> setpagedevice', 'Q begin EP end', '%%BeginFeature: *Duplex']) {
      const cache = new CountingCache();
      for (const pages of [2, 3, 4]) {
        const result = await agree(job(pages, { prolog: prolog(2, `${extra}\n%%BeginResource: x`) }), cache);
        // The prolog's copies are replaced by every page's: the warning shows the prolog's were seen.
        const varied = result.warnings.some((warning) => warning.startsWith('copies were set to several'));
        expect(varied).to.equal(extra.startsWith('<<'));
      }
      expect(cache.stored, extra).to.equal(0);
    }
  });

  it('takes no snapshot where a procedure or string is still open at the checkpoint', async () => {
    for (const open of ['/late {', '/late (']) {
      const cache = new CountingCache();
      const close = open.endsWith('{') ? '} def' : ') def';
      for (const pages of [2, 3, 4]) {
        const unfinished = `${open}\n%%BeginResource: y${pages}\n${close}`;
        await agree(job(pages, { prolog: `${prolog()}\n${unfinished}` }), cache);
      }
      expect(cache.stored, open).to.equal(0);
    }
  });

  it('keeps snapshots apart by memory budget, and agrees with small chunks', async () => {
    const cache = new CountingCache();
    for (const pages of [2, 3, 4]) await agree(job(pages), cache, 64 * 1024);
    for (const pages of [2, 3, 4]) await agree(job(pages), cache);
    expect(cache.stored).to.equal(2);
    expect(cache.hits).to.equal(2);
  });

  it('keeps no snapshot of a state larger than its bound', async () => {
    const body = Array.from({ length: 100 }, (_, i) => i % 10).join(' ');
    const big = Array.from({ length: 1100 }, (_, i) => `/big${i} { ${body} } def`).join('\n');
    const cache = new CountingCache();
    for (const pages of [2, 3]) await agree(job(pages, { prolog: `${prolog()}\n${big}` }), cache, 16 << 20);
    expect(cache.stored).to.equal(0);
    for (const pages of [2, 3]) await agree(job(pages), cache, 16 << 20);
    expect(cache.stored).to.equal(1);
  });

  it('agrees with running every byte on random variants of a job family', async () => {
    const snippets = [
      '%%BeginResource: r',
      '%%Page: 9 9',
      '%%BeginData: 10 Binary Bytes',
      '%%+ numcopies(3)',
      '%%Requirements: duplex',
      '/showpage { } def',
      '<< /NumCopies 4 /PageSize [612 792] >> setpagedevice',
      'save',
      'restore',
      '1 0 0 setrgbcolor 0 0 1 1 rectfill',
      'showpage',
      '{ showpage } if',
      '/copies 7 def',
      'Q /copies 6 put',
      '{',
      '}',
      '(',
      'currentfile 40 string readstring',
      'stop',
      '%%EOF',
      'Q begin /arr [ 0 1 0 ] def end',
      '/p3 { /p3 load exec } def',
    ];
    let seed = 20261121;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const insert = (bytes: Buffer, text: string) => {
      const lineStarts = [...bytes.toString('latin1').matchAll(/\n/g)].map((match) => (match.index ?? 0) + 1);
      const at = lineStarts[random(lineStarts.length)];
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(`${text}\n`, 'latin1'), bytes.subarray(at)]);
    };
    const families = [job(3), job(4, { colourEvery: 3 }), insert(job(5), '%%BeginResource: extra')];
    const cache = new CountingCache();
    for (let n = 0; n < 120; n += 1) {
      let bytes = families[random(families.length)];
      for (let edits = random(3); edits > 0; edits -= 1)
        bytes = insert(bytes, snippets[random(snippets.length)]);
      if (random(4) === 0) {
        bytes = Buffer.from(bytes);
        bytes[random(bytes.length)] = random(256);
      }
      if (random(8) === 0) bytes = bytes.subarray(0, random(bytes.length));
      await agree(bytes, cache, random(6) === 0 ? 64 * 1024 : undefined);
    }
    expect(cache.hits).to.be.above(10);
  });
});
