#!/usr/bin/env node
/**
 * `quire-central`: run the central server (`serve`), apply database migrations (`db migrate`), sync directory
 * users (`users sync`) or print the federation CA for sites (`federation ca`).
 */
import { buildServerCli } from '@quire/common';
import { addUsersCommands } from './directory/users-cli';
import { addFederationCommands } from './federation/federation-ca-cli';
import { centralMigrations } from './migrations';
import { buildDirectory, centralEntities, migrateCentralDatabase, startCentral } from './server';
import { centralVersion } from './version';

process.setSourceMapsEnabled(true);

void buildServerCli({
  role: 'central',
  version: centralVersion,
  description: 'Quire central server: console API, directory, sites and federation',
  start: (ctx) => startCentral(ctx),
  migrate: ({ config }) => migrateCentralDatabase(config),
  extraCommands: (program) => {
    addUsersCommands(program, {
      entities: centralEntities,
      migrations: centralMigrations,
      build: (ctx, dataSource) => buildDirectory(ctx.config, ctx.logger, dataSource),
    });
    addFederationCommands(program);
  },
}).parseAsync(process.argv);
