#!/usr/bin/env node
/**
 * `quire-central`: run the central server (`serve`) or apply database migrations (`db migrate`).
 */
import { buildServerCli } from '@quire/common';
import { migrateCentralDatabase, startCentral } from './server';
import { centralVersion } from './version';

process.setSourceMapsEnabled(true);

void buildServerCli({
  role: 'central',
  version: centralVersion,
  description: 'Quire central server: console API, directory, sites and federation',
  start: (ctx) => startCentral(ctx),
  migrate: ({ config }) => migrateCentralDatabase(config),
}).parseAsync(process.argv);
