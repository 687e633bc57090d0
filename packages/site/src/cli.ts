#!/usr/bin/env node
/**
 * `quire-site`: run the site server (`serve`), apply database migrations (`db migrate`), analyse print files
 * (`pdl analyze`), or discover printers on the network (`printers discover`).
 */
import { buildServerCli } from '@quire/common';
import { siteEntities } from './job-core';
import { siteMigrations } from './migrations';
import { addPdlCommands } from './pdl/analysis/pdl-cli';
import { addPrintersCommands, buildDiscoveryCliServices } from './printers/discovery';
import { migrateSiteDatabase, startSite } from './server';
import { siteVersion } from './version';

process.setSourceMapsEnabled(true);
// Every accepted job costs several file-system calls (write, fsync, rename, directory fsync) on libuv's thread
// pool; its default of 4 threads queues them behind each other under concurrent intake. Set before first use.
process.env.UV_THREADPOOL_SIZE ??= '16';

void buildServerCli({
  role: 'site',
  version: siteVersion,
  description: 'Quire site server: print intake, release, printers and accounting for one branch',
  start: (ctx) => startSite(ctx),
  migrate: ({ config }) => migrateSiteDatabase(config),
  extraCommands: (program) => {
    addPdlCommands(program);
    addPrintersCommands(program, {
      entities: siteEntities,
      migrations: siteMigrations,
      build: buildDiscoveryCliServices,
    });
  },
}).parseAsync(process.argv);
