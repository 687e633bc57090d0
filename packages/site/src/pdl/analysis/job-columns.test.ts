/**
 * Unit tests of how an analysis is stored on a job: the columns, the most used paper, and the JSON details kept
 * within what a MySQL TEXT column holds whatever the PJL header contains.
 */
import { expect } from 'chai';
import { type JobAnalysis } from './job-analysis';
import { analysisColumns, analysisDetailsJson } from './job-columns';

function analysis(overrides: Partial<JobAnalysis> = {}): JobAnalysis {
  return {
    pdl: 'pcl-xl',
    pages: 3,
    copies: 2,
    copiesFrom: 'document',
    impressions: 6,
    sheets: 4,
    colorPages: 2,
    monoPages: 4,
    duplex: 'long-edge',
    paper: { iso_a3_297x420mm: 4, iso_a4_210x297mm: 2 },
    pjl: { USERNAME: 'alice' },
    mode: 'standard',
    warnings: ['one warning'],
    partial: false,
    ...overrides,
  };
}

describe('job analysis columns', () => {
  it('maps the counts to columns, the most used paper to `paper`, the rest to the JSON details', () => {
    const columns = analysisColumns(analysis());
    expect(columns).to.deep.include({
      pdl: 'pcl-xl',
      pages: 3,
      colorPages: 2,
      monoPages: 4,
      copies: 2,
      duplex: 'long-edge',
      paper: 'iso_a3_297x420mm',
      impressions: 6,
      sheets: 4,
    });
    expect(JSON.parse(columns.analysis as string)).to.deep.equal({
      mode: 'standard',
      partial: false,
      copiesFrom: 'document',
      paper: { iso_a3_297x420mm: 4, iso_a4_210x297mm: 2 },
      warnings: ['one warning'],
      pjl: { USERNAME: 'alice' },
    });
    expect(analysisColumns(analysis({ paper: {} })).paper).to.equal(null);
  });

  it('keeps the details under 16,000 characters whatever the PJL header holds', () => {
    const pjl: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) pjl[`VARIABLE${i}`] = 'é'.repeat(300);
    const json = analysisDetailsJson(analysis({ pjl, warnings: ['w'.repeat(5000)] }));
    expect(json.length).to.be.lessThan(16_000);
    const details = JSON.parse(json) as { pjl: Record<string, string>; warnings: string[] };
    expect(details.pjl.VARIABLE0).to.have.length(200);
    expect(Object.keys(details.pjl).length).to.be.within(10, 2000);
    expect(details.warnings[0]).to.have.length(400);
    expect(details.warnings.at(-1)).to.equal('Some PJL variables were too long to keep');
  });
});
