/**
 * Entry point of an analysis worker thread (started by `AnalysisPool` from the compiled `analysis-worker.js`):
 * serves analysis tasks with the site's real language analysers.
 */
import { defaultToolkit } from './analysers';
import { serveAnalyses } from './worker-host';

serveAnalyses(defaultToolkit);
