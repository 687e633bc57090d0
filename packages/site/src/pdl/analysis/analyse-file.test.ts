/**
 * Unit tests of `analyseFile` with a scripted toolkit: the source handed to the analyser starts after the PJL
 * header (and holds the file's bytes when the file is within the memory budget), an unknown language or a
 * missing analyser gives zero pages with a warning, a throwing analyser gives a partial result, and enhanced
 * mode's ink coverage replaces the colour only when it is there and counts the same pages.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type LanguageAnalysis, type PdlName, type PdlSource } from '../pdl-types';
import { analyseFile, type AnalyseFileOptions } from './analyse-file';
import { type AnalysisToolkit, type InkCoverage } from './toolkit';

const PJL = '\x1b%-12345X@PJL SET QTY=2\r\n@PJL SET USERNAME="alice"\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n';

function threePages(pdl: PdlName): LanguageAnalysis {
  const page = (color: boolean) => ({ color, paper: 'iso_a4_210x297mm' });
  return {
    pdl,
    pages: [page(true), page(false), page(false)],
    copies: null,
    duplex: null,
    warnings: [],
    partial: false,
  };
}

describe('analyseFile', () => {
  let dir: string;
  let sources: PdlSource[];
  let ink: InkCoverage | Error | null;

  const toolkit = (pdl: PdlName, dataOffset: number): AnalysisToolkit => ({
    detect: () => ({ pdl, dataOffset }),
    pjlSettings: (variables) => ({
      variables,
      copies: null,
      quantity: variables.QTY ? Number(variables.QTY) : null,
      duplex: null,
      paper: null,
      grayscale: false,
    }),
    analysers: {
      postscript: async (source) => {
        sources.push(source);
        return threePages('postscript');
      },
      pdf: async () => {
        throw new Error('broken analyser');
      },
    },
    inkCoverage: async () => {
      if (ink instanceof Error) throw ink;
      return ink ?? { available: false, pages: [], warning: 'gs is not installed' };
    },
  });

  const analyse = (content: string, pdl: PdlName, options: Partial<AnalyseFileOptions> = {}) => {
    const file = path.join(dir, `${sources.length}-${Math.random()}.prn`);
    writeFileSync(file, content, 'latin1');
    return analyseFile(file, {
      mode: 'standard',
      deadline: Date.now() + 10_000,
      toolkit: toolkit(pdl, content.indexOf('%!')),
      ...options,
    });
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-analyse-file-'));
  });
  beforeEach(() => {
    sources = [];
    ink = null;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hands the analyser the bytes after the PJL header and keeps the PJL variables and copies', async () => {
    const content = `${PJL}%!PS\nshowpage\n`;
    const result = await analyse(content, 'postscript');
    expect(sources).to.have.length(1);
    expect(sources[0].offset).to.equal(PJL.length);
    expect(sources[0].length).to.equal(content.length - PJL.length);
    expect(result).to.include({
      pdl: 'postscript',
      pages: 3,
      copies: 2,
      copiesFrom: 'document',
      impressions: 6,
    });
    expect(result).to.include({ colorPages: 2, monoPages: 4, mode: 'standard', partial: false });
    expect(result.pjl).to.deep.equal({ QTY: '2', USERNAME: 'alice' });
  });

  it('hands a small file to the analyser in memory, read once, and streams one over the memory budget', async () => {
    const content = `${PJL}%!PS\n${'% filler\n'.repeat(200)}showpage\n`;
    const small = await analyse(content, 'postscript');
    expect(sources[0].bytes?.toString('latin1')).to.equal(content);
    const large = await analyse(content, 'postscript', { maxBufferBytes: 1024 });
    expect(sources[1].bytes).to.equal(undefined);
    expect(sources[1]).to.include({ offset: PJL.length, length: content.length - PJL.length });
    expect(large).to.deep.equal(small);
  });

  it('reports an unknown language and a language without analyser as zero pages, partial, with a warning', async () => {
    const unknown = await analyse('\x00\x01garbage', 'unknown', { protocolCopies: 3 });
    expect(unknown).to.include({ pdl: 'unknown', pages: 0, copies: 3, partial: true });
    expect(unknown.warnings[0]).to.contain('not recognised');
    const unsupported = await analyse('\xff\xd8\xff', 'jpeg');
    expect(unsupported).to.include({ pdl: 'jpeg', pages: 0, partial: true });
    expect(unsupported.warnings[0]).to.contain('no analyser for jpeg');
  });

  it('turns a throwing analyser into a partial result', async () => {
    const result = await analyse('%PDF-1.7', 'pdf');
    expect(result).to.include({ pdl: 'pdf', pages: 0, partial: true });
    expect(result.warnings).to.deep.equal(['The pdf analyser failed: broken analyser']);
  });

  it('takes colour from ink coverage in enhanced mode when it counts the same pages', async () => {
    ink = { available: true, pages: [{ color: false }, { color: true }, { color: true }] };
    const result = await analyse('%!PS', 'postscript', { mode: 'enhanced' });
    expect(result).to.include({ mode: 'enhanced', colorPages: 2, monoPages: 1 });
    expect(result.warnings).to.deep.equal([]);
  });

  it('keeps the standard colour, with a warning, when ink coverage is missing, fails or disagrees', async () => {
    const fallback = await analyse('%!PS', 'postscript', { mode: 'enhanced' });
    expect(fallback).to.include({ mode: 'standard', colorPages: 1 });
    expect(fallback.warnings).to.deep.equal(['Enhanced mode fell back to standard: gs is not installed']);

    ink = { available: true, pages: [{ color: true }] };
    const disagreeing = await analyse('%!PS', 'postscript', { mode: 'enhanced' });
    expect(disagreeing).to.include({ mode: 'standard', colorPages: 1 });
    expect(disagreeing.warnings[0]).to.contain('counted 1 pages').and.contain('analyser 3');

    ink = new Error('gs crashed');
    const failing = await analyse('%!PS', 'postscript', { mode: 'enhanced' });
    expect(failing).to.include({ mode: 'standard', colorPages: 1 });
    expect(failing.warnings[0]).to.contain('gs crashed');
  });

  it('throws only when the file cannot be read', async () => {
    const err = await analyseFile(path.join(dir, 'missing.prn'), {
      mode: 'standard',
      deadline: Date.now() + 1000,
      toolkit: toolkit('pdf', 0),
    }).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });
});
