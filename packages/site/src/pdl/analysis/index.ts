/**
 * Job analysis: the combiner of the language analysers' results, the worker-thread pool that runs them, the
 * service that stores a job's analysis and routes it, and the `pdl analyze` command.
 */
export * from './job-analysis';
export * from './job-columns';
export * from './toolkit';
export * from './analyse-file';
export * from './analysis-pool';
export * from './job-analysis.service';
export * from './pdl-cli';
