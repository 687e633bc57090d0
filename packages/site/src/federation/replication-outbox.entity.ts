/**
 * The site's replication outbox: every record central must hear about (jobs, job events, audit entries), in the
 * order the site wrote them, until central acknowledges it. Sequence numbers come from the single counter row,
 * taken in the same transaction as the change they describe, so they have no gaps even when a change rolls back
 * (an AUTO_INCREMENT would burn the number). `acked_seq` is what central has applied; rows at or below it are
 * pruned.
 */
import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';
import { TimestampColumn } from '@quire/common';
import { type OutboxRecordKind } from '@quire/shared-proto';

// MySQL hands BIGINT back as a string; a sequence number stays far below 2^53.
const bigintAsNumber: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | number) => Number(value),
};

/** The id of the one row of `federation_outbox_counter`. */
export const OUTBOX_COUNTER_ID = 1;

/** The `federation_outbox` table: one record waiting for central. */
@Entity({ name: 'federation_outbox' })
export class OutboxRecordEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  seq!: number;

  @Column({ type: 'varchar', length: 16 })
  kind!: OutboxRecordKind;

  /** The record's natural key on the site: the job, event or audit entry id. */
  @Column({ name: 'record_key', type: 'varchar', length: 64 })
  recordKey!: string;

  /** The record as JSON (`OutboxBodies` in @quire/shared-proto). */
  @Column({ type: 'text' })
  body!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;
}

/** The `federation_outbox_counter` table: the last sequence number handed out, and the last one central applied. */
@Entity({ name: 'federation_outbox_counter' })
export class OutboxCounterEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'last_seq', type: 'bigint', transformer: bigintAsNumber })
  lastSeq!: number;

  @Column({ name: 'acked_seq', type: 'bigint', transformer: bigintAsNumber })
  ackedSeq!: number;
}

/** The outbox's entities, for the site's DataSource. */
export const outboxEntities = [OutboxRecordEntity, OutboxCounterEntity];
