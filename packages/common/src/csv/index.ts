/** CSV output shared by both servers' exports: cells and lines, and a paged streaming attachment. */
export * from './csv-cells';
export * from './send-csv';
