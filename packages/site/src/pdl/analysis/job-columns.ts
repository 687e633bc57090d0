/**
 * How a job analysis is stored on the job row: the counts in their own columns (so reports and policies can
 * query them), the rest as a bounded JSON document in `jobs.analysis`.
 */
import { type JobEntity } from '../../jobs/job.entity';
import { type JobAnalysis, type JobAnalysisDetails } from './job-analysis';

/** The job columns an analysis fills. */
export type AnalysisColumns = Pick<
  JobEntity,
  | 'pdl'
  | 'pages'
  | 'colorPages'
  | 'monoPages'
  | 'copies'
  | 'duplex'
  | 'paper'
  | 'impressions'
  | 'sheets'
  | 'analysis'
>;

// A MySQL TEXT holds 65,535 bytes; this many characters fit even at four bytes each.
const MAX_DETAILS_CHARS = 16_000;
const MAX_WARNING_CHARS = 400;
const MAX_PJL_VALUE_CHARS = 200;

/**
 * The details as JSON text that always fits the column: warnings are clipped, and PJL variables (the only part
 * a document can make long) are kept while they fit, each value clipped.
 */
export function analysisDetailsJson(analysis: JobAnalysis): string {
  const details: JobAnalysisDetails = {
    mode: analysis.mode,
    partial: analysis.partial,
    copiesFrom: analysis.copiesFrom,
    paper: analysis.paper,
    warnings: analysis.warnings.map((warning) => warning.slice(0, MAX_WARNING_CHARS)),
    pjl: {},
  };
  // Room is left for the warning that says variables were dropped.
  let budget = MAX_DETAILS_CHARS - JSON.stringify(details).length - 100;
  for (const [name, value] of Object.entries(analysis.pjl)) {
    const clipped = value.slice(0, MAX_PJL_VALUE_CHARS);
    const cost = JSON.stringify(name).length + JSON.stringify(clipped).length + 2;
    if (cost > budget) {
      details.warnings.push('Some PJL variables were too long to keep');
      break;
    }
    details.pjl[name] = clipped;
    budget -= cost;
  }
  return JSON.stringify(details);
}

/** The job columns for `analysis`. `copies` becomes the analysis's copies, which the document may have set. */
export function analysisColumns(analysis: JobAnalysis): AnalysisColumns {
  return {
    pdl: analysis.pdl,
    pages: analysis.pages,
    colorPages: analysis.colorPages,
    monoPages: analysis.monoPages,
    copies: analysis.copies,
    duplex: analysis.duplex,
    paper: Object.keys(analysis.paper)[0]?.slice(0, 64) ?? null,
    impressions: analysis.impressions,
    sheets: analysis.sheets,
    analysis: analysisDetailsJson(analysis),
  };
}
