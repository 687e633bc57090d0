/**
 * The site's real analysis toolkit: language detection and the UEL split (detect.ts), the PJL settings
 * (pjl.ts), one analyser per language, and ghostscript's ink coverage for enhanced mode. Loaded by the analysis workers only, so the analysers' code never
 * weighs on the main thread.
 */
import { detectPdl, findUelSegments } from '../detect';
import { analysePcl5 } from '../pcl5';
import { analysePclXl } from '../pclxl';
import { inkCoverage } from '../inkcov';
import { analysePdf } from '../pdf';
import { pjlSettings } from '../pjl';
import { analysePostScript } from '../postscript';
import { analyseJpeg } from '../raster-jpeg';
import { analysePwgRaster } from '../raster-pwg';
import { analyseUrf } from '../raster-urf';
import { type PdlSource } from '../pdl-types';
import { type PjlJobSettings } from './job-analysis';
import { type AnalysisToolkit } from './toolkit';

/** The PJL settings the combiner reads, from pjl.ts's reading of a header's variables. */
export function jobPjlSettings(variables: Record<string, string>): PjlJobSettings {
  const settings = pjlSettings(variables);
  return {
    variables,
    copies: settings.copies,
    quantity: settings.quantity,
    duplex: settings.duplex,
    paper: settings.paper,
    grayscale: settings.renderMode === 'grayscale',
  };
}

/**
 * Ghostscript's ink coverage of the job's file. Ghostscript skips a PJL header in front of PostScript or PDF
 * itself, so it reads the whole file; `analyseFile` asks only for jobs in one part, and keeps the measure only
 * when it counts the analyser's pages.
 */
function inkCoverageOf(source: PdlSource, options: { deadline: number }) {
  return inkCoverage(source.path, { deadline: options.deadline });
}

/** The toolkit analysis workers use. */
export const defaultToolkit: AnalysisToolkit = {
  detect: (head) => detectPdl(Buffer.from(head.buffer, head.byteOffset, head.byteLength)),
  segments: findUelSegments,
  pjlSettings: jobPjlSettings,
  inkCoverage: inkCoverageOf,
  analysers: {
    postscript: analysePostScript,
    'pcl-xl': analysePclXl,
    pcl5: analysePcl5,
    pdf: analysePdf,
    'pwg-raster': analysePwgRaster,
    urf: analyseUrf,
    jpeg: analyseJpeg,
  },
};
