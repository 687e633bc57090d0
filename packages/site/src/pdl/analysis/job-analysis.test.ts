/**
 * Unit tests of the combiner's counting rules: copies precedence (language, PJL COPIES and QTY, protocol), impressions, sheets
 * with duplex, odd pages and paper changes, the colour split over copies, paper inheritance and the paper map.
 */
import { expect } from 'chai';
import { type DuplexMode, type LanguageAnalysis, type PageFacts } from '../pdl-types';
import {
  combineAnalysis,
  MAX_ANALYSIS_COPIES,
  MAX_PAPER_SIZES,
  MAX_WARNINGS,
  resolveCopies,
  type PjlJobSettings,
} from './job-analysis';

const A4 = 'iso_a4_210x297mm';
const A3 = 'iso_a3_297x420mm';
const LETTER = 'na_letter_8.5x11in';

function pages(count: number, facts: Partial<PageFacts> = {}): PageFacts[] {
  return Array.from({ length: count }, () => ({ color: false, paper: A4, ...facts }));
}

function language(overrides: Partial<LanguageAnalysis> = {}): LanguageAnalysis {
  return {
    pdl: 'pcl-xl',
    pages: pages(1),
    copies: null,
    duplex: null,
    warnings: [],
    partial: false,
    ...overrides,
  };
}

function pjl(overrides: Partial<PjlJobSettings> = {}): PjlJobSettings {
  return {
    variables: {},
    copies: null,
    quantity: null,
    duplex: null,
    paper: null,
    grayscale: false,
    ...overrides,
  };
}

function combine(
  lang: Partial<LanguageAnalysis>,
  settings: Partial<PjlJobSettings> = {},
  protocolCopies = 1,
) {
  return combineAnalysis({ language: language(lang), pjl: pjl(settings), protocolCopies, mode: 'standard' });
}

describe('job analysis combiner', () => {
  describe('copies', () => {
    const copies = (
      language: number | null,
      pjlCopies: number | null,
      quantity: number | null,
      protocol = 1,
    ) => resolveCopies(language, { copies: pjlCopies, quantity }, protocol);

    it('takes copies written in both the language and PJL COPIES once, not their product', () => {
      expect(copies(3, 3, null)).to.deep.equal({ copies: 3, from: 'document', warnings: [] });
    });

    it('lets the language override PJL COPIES, as a printer does, with a warning when they disagree', () => {
      const resolved = copies(2, 3, null);
      expect(resolved).to.include({ copies: 2, from: 'document' });
      expect(resolved.warnings).to.have.length(1);
      expect(resolved.warnings[0]).to.contain('2 copies').and.contain('for 3');
      expect(copies(1, 4, null)).to.deep.equal({ copies: 4, from: 'document', warnings: [] });
      expect(copies(4, null, null)).to.deep.equal({ copies: 4, from: 'document', warnings: [] });
    });

    it('multiplies by PJL QTY, the collated sets of the whole job', () => {
      expect(copies(3, null, 2)).to.include({ copies: 6, from: 'document' });
      expect(copies(null, 2, 3)).to.include({ copies: 6, from: 'document' });
      expect(copies(1, null, 4)).to.include({ copies: 4, from: 'document' });
    });

    it("uses the protocol's copies only when the document asks for none (1 says nothing)", () => {
      expect(copies(null, null, null, 4)).to.deep.equal({ copies: 4, from: 'protocol', warnings: [] });
      expect(copies(1, 1, 1, 4)).to.deep.equal({ copies: 4, from: 'protocol', warnings: [] });
      const both = copies(3, null, null, 2);
      expect(both).to.include({ copies: 3, from: 'document' });
      expect(both.warnings[0]).to.contain('client for 2');
    });

    it('ignores nonsense and clamps absurd requests', () => {
      expect(copies(0, -5, null)).to.include({ copies: 1, from: 'protocol' });
      expect(copies(Number.NaN, 2.7, null)).to.include({ copies: 2, from: 'document' });
      const huge = copies(1000, null, 1000);
      expect(huge.copies).to.equal(MAX_ANALYSIS_COPIES);
      expect(huge.warnings[0]).to.contain('1000000 copies');
    });
  });

  describe('impressions, sheets and colour', () => {
    it('counts impressions and the colour split over every copy', () => {
      const result = combine({ pages: [...pages(2, { color: true }), ...pages(3)], copies: 3 });
      expect(result).to.include({
        pages: 5,
        copies: 3,
        copiesFrom: 'document',
        impressions: 15,
        colorPages: 6,
        monoPages: 9,
        sheets: 15,
        duplex: 'simplex',
      });
      expect(result.colorPages + result.monoPages).to.equal(result.impressions);
    });

    it('starts every copy of an odd duplex job on a fresh sheet', () => {
      expect(combine({ pages: pages(3), duplex: 'long-edge' }, {}, 2)).to.include({
        sheets: 4,
        impressions: 6,
        duplex: 'long-edge',
        copiesFrom: 'protocol',
      });
      expect(combine({ pages: pages(4), duplex: 'short-edge' }, {}, 3)).to.include({ sheets: 6 });
      expect(combine({ pages: pages(1), duplex: 'long-edge' })).to.include({ sheets: 1 });
    });

    it('pairs duplex pages only on the same paper and mode, and never with a simplex page', () => {
      const mixed: PageFacts[] = [
        { color: false, paper: A4, duplex: 'simplex' },
        { color: false, paper: A4, duplex: 'long-edge' },
        { color: false, paper: A4, duplex: 'long-edge' },
        { color: false, paper: A3, duplex: 'long-edge' },
        { color: false, paper: A3, duplex: 'short-edge' },
        { color: false, paper: A3, duplex: 'short-edge' },
      ];
      expect(combine({ pages: mixed })).to.include({ sheets: 4, duplex: 'long-edge' });
    });

    it('takes duplex from the page, then the document, then PJL, then simplex', () => {
      const modes = (lang: Partial<LanguageAnalysis>, pjlDuplex: DuplexMode | null) =>
        combine(lang, { duplex: pjlDuplex }).duplex;
      expect(modes({ pages: pages(2, { duplex: 'short-edge' }), duplex: 'long-edge' }, 'simplex')).to.equal(
        'short-edge',
      );
      expect(modes({ pages: pages(2), duplex: 'long-edge' }, 'short-edge')).to.equal('long-edge');
      expect(modes({ pages: pages(2) }, 'short-edge')).to.equal('short-edge');
      expect(modes({ pages: pages(2) }, null)).to.equal('simplex');
      expect(combine({ pages: pages(4) }, { duplex: 'long-edge' })).to.include({ sheets: 2 });
    });

    it('counts pages of unknown colour as colour and says how many', () => {
      const result = combine({ pages: [...pages(2, { color: null }), ...pages(1)] }, {}, 2);
      expect(result).to.include({ colorPages: 4, monoPages: 2 });
      expect(result.warnings).to.include('The colour of 2 pages is unknown; counted as colour');
    });

    it('counts every page mono when PJL asks the printer to render in grey', () => {
      const result = combine({ pages: pages(3, { color: true }) }, { grayscale: true });
      expect(result).to.include({ colorPages: 0, monoPages: 3 });
      expect(result.warnings.join()).to.contain('RENDERMODE=GRAYSCALE');
    });

    it('reports an empty document as zero of everything', () => {
      const result = combine(
        { pdl: 'unknown', pages: [], warnings: ['not recognised'], partial: true },
        {},
        5,
      );
      expect(result).to.include({ pages: 0, impressions: 0, sheets: 0, colorPages: 0, monoPages: 0 });
      expect(result).to.include({ copies: 5, partial: true, duplex: 'simplex' });
      expect(result.paper).to.deep.equal({});
      expect(result.warnings).to.deep.equal(['not recognised']);
    });
  });

  describe('paper', () => {
    it('maps paper to impressions, most used first, over every copy', () => {
      const result = combine(
        { pages: [...pages(1, { paper: LETTER }), ...pages(2, { paper: A3 }), ...pages(1)] },
        {},
        2,
      );
      expect(result.paper).to.deep.equal({ [A3]: 4, [LETTER]: 2, [A4]: 2 });
      expect(Object.keys(result.paper)[0]).to.equal(A3);
    });

    it('prints a page without a size on the size in force, leading pages on the PJL paper', () => {
      const doc: PageFacts[] = [
        { color: false, paper: null },
        { color: false, paper: A3 },
        { color: false, paper: null },
      ];
      expect(combine({ pages: doc }, { paper: LETTER }).paper).to.deep.equal({ [LETTER]: 1, [A3]: 2 });
      expect(combine({ pages: doc }).paper).to.deep.equal({ [A3]: 3 });
    });

    it('leaves pages out of the map, with a warning, when nothing states a size', () => {
      const result = combine({ pages: pages(2, { paper: null }) });
      expect(result.paper).to.deep.equal({});
      expect(result.warnings).to.include('2 pages state no paper size');
    });

    it('keeps the map and the warnings bounded for a hostile document', () => {
      const odd = Array.from({ length: MAX_PAPER_SIZES + 8 }, (_, i) => ({
        color: null,
        paper: `custom_${i}x${i}mm_${i}x${i}mm`,
      }));
      const warnings = Array.from({ length: 50 }, (_, i) => `warning ${i}`);
      const result = combine({ pages: odd, warnings });
      expect(Object.keys(result.paper)).to.have.length(MAX_PAPER_SIZES);
      expect(result.warnings).to.have.length(MAX_WARNINGS);
      expect(result.warnings[MAX_WARNINGS - 1]).to.match(/^\d+ more warnings$/);
    });
  });

  it('keeps the PJL variables, the mode and partial', () => {
    const result = combineAnalysis({
      language: language({ partial: true }),
      pjl: pjl({ variables: { USERNAME: 'alice' } }),
      protocolCopies: 1,
      mode: 'enhanced',
      warnings: ['from detection'],
    });
    expect(result).to.include({ mode: 'enhanced', partial: true });
    expect(result.pjl).to.deep.equal({ USERNAME: 'alice' });
    expect(result.warnings[0]).to.equal('from detection');
  });
});
