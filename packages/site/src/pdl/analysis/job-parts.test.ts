/**
 * Unit tests of merging a job's UEL-separated parts: pages add up across parts, each page keeps its part's
 * duplex, paper and grey rendering, copies the parts agree on are the job's, and parts that disagree are
 * counted each with their own copies.
 */
import { expect } from 'chai';
import { type LanguageAnalysis } from '../pdl-types';
import { combineAnalysis, type PjlJobSettings } from './job-analysis';
import { mergeParts, MAX_EXPANDED_PAGES, type AnalysedPart } from './job-parts';

const A4 = 'iso_a4_210x297mm';
const LETTER = 'na_letter_8.5x11in';

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

function part(
  pdl: LanguageAnalysis['pdl'],
  pages: number,
  overrides: Partial<LanguageAnalysis> = {},
  settings: Partial<PjlJobSettings> = {},
): AnalysedPart {
  return {
    language: {
      pdl,
      pages: Array.from({ length: pages }, () => ({ color: true, paper: null })),
      copies: null,
      duplex: null,
      warnings: [],
      partial: false,
      ...overrides,
    },
    pjl: pjl(settings),
  };
}

function combined(parts: AnalysedPart[], protocolCopies = 1) {
  const job = pjl({ variables: { USERNAME: 'alice' } });
  const merged = mergeParts(parts, job);
  return combineAnalysis({ ...merged, protocolCopies, mode: 'standard', warnings: merged.warnings });
}

describe('merging the parts of a job', () => {
  it('returns a single part as it is', () => {
    const only = part('pdf', 2, {}, { copies: 3 });
    const merged = mergeParts([only], pjl());
    expect(merged.language).to.equal(only.language);
    expect(merged.pjl).to.equal(only.pjl);
    expect(merged.warnings).to.deep.equal([]);
  });

  it("adds the parts' pages, each with its part's paper, duplex and grey rendering", () => {
    const banner = part('pcl5', 1, {}, { paper: LETTER, grayscale: true });
    const document = part('postscript', 3, { duplex: 'long-edge' }, { paper: A4 });
    const result = combined([banner, document]);
    expect(result).to.include({ pdl: 'postscript', pages: 4, impressions: 4, colorPages: 3, monoPages: 1 });
    expect(result).to.include({ sheets: 3, duplex: 'long-edge' });
    expect(result.paper).to.deep.equal({ [A4]: 3, [LETTER]: 1 });
    expect(result.pjl).to.deep.equal({ USERNAME: 'alice' });
    expect(result.warnings.join()).to.contain('RENDERMODE=GRAYSCALE');
  });

  it('takes the copies every part agrees on as the job copies', () => {
    const result = combined([part('pcl-xl', 2, { copies: 2 }), part('pcl-xl', 2, {}, { copies: 2 })], 5);
    expect(result).to.include({ pages: 4, copies: 2, copiesFrom: 'document', impressions: 8 });
  });

  it('counts parts that ask for different copies each with its own', () => {
    const result = combined([part('pcl-xl', 2, { copies: 3 }), part('pcl-xl', 1, {}, { quantity: 2 })]);
    expect(result).to.include({ pages: 8, impressions: 8, copies: 1 });
    expect(result.warnings[0]).to.contain('different copies (3, 2)');
  });

  it('does not list an absurd number of pages to count disagreeing copies', () => {
    const huge = part('pcl-xl', MAX_EXPANDED_PAGES, { copies: 2 });
    const result = combined([huge, part('pcl-xl', 1)]);
    expect(result).to.include({ pages: MAX_EXPANDED_PAGES + 1, copies: 2 });
    expect(result.warnings[0]).to.contain('counted the most, 2');
  });
});
