/**
 * `quire-site printers discover` as the discovery tests run it in a child process: the printers commands on a
 * commander program, built exactly as cli.ts builds them (the site's entities and migrations, with the profile
 * and discovery ones until the lead adds those to the site's lists).
 */
import { Command } from 'commander';
import { addPrintersCommands, buildDiscoveryCliServices } from '../src/printers/discovery';
import { siteDiscoveryEntities, siteDiscoveryMigrations } from './printers-discovery-fixture';

const program = new Command('quire-site');
addPrintersCommands(program, {
  entities: siteDiscoveryEntities,
  migrations: siteDiscoveryMigrations,
  build: buildDiscoveryCliServices,
});
void program.parseAsync(process.argv);
