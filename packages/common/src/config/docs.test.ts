import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { renderConfigDocs } from './docs';
import { configSchema } from './schema';
import { envName } from './setting';

describe('docs/configuration.md', () => {
  const docsFile = path.resolve(__dirname, '../../../../../docs/configuration.md');

  it('is generated from the current schema (run `npm run docs:config` after changing it)', () => {
    expect(readFileSync(docsFile, 'utf8')).to.equal(renderConfigDocs());
  });

  it('lists every setting with its variable', () => {
    const text = renderConfigDocs();
    for (const [section, settings] of Object.entries(configSchema)) {
      for (const key of Object.keys(settings)) expect(text).to.contain(`\`${envName(section, key)}\``);
    }
  });
});
