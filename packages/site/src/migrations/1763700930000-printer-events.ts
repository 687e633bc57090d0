/**
 * Creates what printer events and actions keep: `printer_event_definitions` (seeded with MyQ's built-in events,
 * "Cover open or paper jam" split in two, plus offline), `printer_events` (episodes; the unique `open_key` is
 * set only while an episode is open, and `milestone_key` stays set on counter milestones, so racing evaluations
 * never open one episode twice nor fire one milestone twice; both indexes hold many NULLs on SQLite and
 * MariaDB), `printer_event_actions`, and `site_settings` (key → JSON, for the SMTP server).
 *
 * Tables are built inside `up` because TypeORM may annotate the objects it is given, and tests migrate several
 * databases in one process.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { newId, timestampColumnSpec, uuidColumnSpec } from '@quire/common';

/** MyQ's predefined events, as definitions: name, type, parameters. */
const BUILT_IN_EVENTS: Array<[string, string, Record<string, unknown>]> = [
  ['Toner below 20% K', 'toner-low', { thresholdPercent: 20, colorant: 'black' }],
  ['Toner below 20% C', 'toner-low', { thresholdPercent: 20, colorant: 'cyan' }],
  ['Toner below 20% M', 'toner-low', { thresholdPercent: 20, colorant: 'magenta' }],
  ['Toner below 20% Y', 'toner-low', { thresholdPercent: 20, colorant: 'yellow' }],
  ['Toner empty', 'toner-empty', {}],
  ['Out of paper', 'out-of-paper', {}],
  ['Paper jam', 'paper-jam', {}],
  ['Cover open', 'cover-open', {}],
  ['Service requested', 'service-requested', {}],
  ['Offline', 'offline', {}],
];

function definitionsTable(): Table {
  return new Table({
    name: 'printer_event_definitions',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'name', type: 'varchar', length: '127' },
      { name: 'type', type: 'varchar', length: '32' },
      { name: 'enabled', type: 'boolean' },
      { name: 'params', type: 'text' },
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
  });
}

function episodesTable(): Table {
  return new Table({
    name: 'printer_events',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      uuidColumnSpec('definition_id'),
      { name: 'event_name', type: 'varchar', length: '127' },
      uuidColumnSpec('printer_id'),
      { name: 'printer_name', type: 'varchar', length: '127' },
      { name: 'type', type: 'varchar', length: '32' },
      { name: 'subject', type: 'varchar', length: '64' },
      timestampColumnSpec('opened_at'),
      timestampColumnSpec('closed_at', true),
      { name: 'message', type: 'varchar', length: '512' },
      { name: 'details', type: 'text' },
      { name: 'open_key', type: 'varchar', length: '160', isNullable: true },
      { name: 'milestone_key', type: 'varchar', length: '160', isNullable: true },
    ],
    indices: [
      new TableIndex({ name: 'idx_printer_events_printer_open', columnNames: ['printer_id', 'closed_at'] }),
      new TableIndex({ name: 'idx_printer_events_definition', columnNames: ['definition_id'] }),
      new TableIndex({ name: 'idx_printer_events_type', columnNames: ['type'] }),
      new TableIndex({ name: 'idx_printer_events_opened', columnNames: ['opened_at'] }),
      new TableIndex({ name: 'uq_printer_events_open_key', columnNames: ['open_key'], isUnique: true }),
      new TableIndex({
        name: 'uq_printer_events_milestone_key',
        columnNames: ['milestone_key'],
        isUnique: true,
      }),
    ],
  });
}

function actionsTable(): Table {
  return new Table({
    name: 'printer_event_actions',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'name', type: 'varchar', length: '127' },
      { name: 'enabled', type: 'boolean' },
      { name: 'definition_ids', type: 'text' },
      { name: 'printer_groups', type: 'text' },
      { name: 'kind', type: 'varchar', length: '16' },
      { name: 'recipients', type: 'text' },
      { name: 'subject', type: 'varchar', length: '255' },
      { name: 'body', type: 'text' },
      { name: 'url', type: 'varchar', length: '2048', isNullable: true },
      { name: 'secret', type: 'varchar', length: '255', isNullable: true },
      { name: 'notify_on', type: 'varchar', length: '16' },
      { name: 'min_interval_minutes', type: 'integer' },
      timestampColumnSpec('last_sent_at', true),
      { name: 'last_error', type: 'text', isNullable: true },
      timestampColumnSpec('last_error_at', true),
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
  });
}

function settingsTable(): Table {
  return new Table({
    name: 'site_settings',
    columns: [
      { name: 'key', type: 'varchar', length: '64', isPrimary: true },
      { name: 'value', type: 'text' },
      timestampColumnSpec('updated_at'),
    ],
  });
}

/** The event, action and settings tables, with the built-in events; `down` removes them. */
export class PrinterEvents1763700930000 implements MigrationInterface {
  name = 'PrinterEvents1763700930000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(definitionsTable());
    await queryRunner.createTable(episodesTable());
    await queryRunner.createTable(actionsTable());
    await queryRunner.createTable(settingsTable());
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    for (const [name, type, params] of BUILT_IN_EVENTS) {
      await queryRunner.query(
        'INSERT INTO printer_event_definitions (id, name, type, enabled, params, created_at, updated_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?)',
        [newId(), name, type, 1, JSON.stringify(params), now, now],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('site_settings');
    await queryRunner.dropTable('printer_event_actions');
    await queryRunner.dropTable('printer_events');
    await queryRunner.dropTable('printer_event_definitions');
  }
}
