#!/usr/bin/env node
/**
 * `quire-site`: run the site server (`serve`) or apply database migrations (`db migrate`).
 */
import { buildServerCli } from '@quire/common';
import { migrateSiteDatabase, startSite } from './server';
import { siteVersion } from './version';

process.setSourceMapsEnabled(true);

void buildServerCli({
  role: 'site',
  version: siteVersion,
  description: 'Quire site server: print intake, release, printers and accounting for one branch',
  start: (ctx) => startSite(ctx),
  migrate: ({ config }) => migrateSiteDatabase(config),
}).parseAsync(process.argv);
