/** Prints docs/configuration.md to standard output (`npm run docs:config`). */
import { renderConfigDocs } from './docs';

process.stdout.write(renderConfigDocs());
