/**
 * The site's copy of central's configuration templates (`site_templates`) and the template version it holds
 * (`federation_template_state`, one row). Every template central sends is kept, whatever its type: queue
 * templates take effect on the site's queues at once, the others wait for the parts of the site that will read
 * them (policies, printer profiles, price lists).
 */
import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { jsonStringList } from '../queues/queue.entity';

/** The id of the single state row. */
export const TEMPLATE_STATE_ROW = 'templates';

/** A JSON object as text; anything else (a hand edit) reads as an empty object. */
const jsonObject: ValueTransformer = {
  to: (value: Record<string, unknown> | undefined) =>
    value === undefined ? undefined : JSON.stringify(value),
  from: (text: string | null): Record<string, unknown> => {
    try {
      const parsed: unknown = JSON.parse(text ?? '{}');
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    } catch {
      return {};
    }
  },
};

/** MySQL returns BIGINT as a string; versions stay far below 2^53. */
const bigintNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number | null) => (value === null ? 0 : Number(value)),
};

@Entity({ name: 'site_templates' })
export class SiteTemplateEntity {
  @IdColumn()
  id!: string;

  /** `queue`, `policy`, `printer-profile`, `price-list`, or a type a later central adds. */
  @Index('idx_site_templates_type')
  @Column({ type: 'varchar', length: 32 })
  type!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  @Column({ type: 'text', transformer: jsonObject })
  settings!: Record<string, unknown>;

  @Column({ type: 'text', transformer: jsonStringList })
  overridable!: string[];

  /** The snapshot that last listed the template; rows a finished snapshot did not list are removed. */
  @Column({ name: 'snapshot_id', type: 'integer' })
  snapshotId!: number;

  /** Why the site could not apply the template, or null. */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

@Entity({ name: 'federation_template_state' })
export class TemplateStateEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  version!: number;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

/** The entities of the template sink, for the site's DataSource. */
export const templateSinkEntities = [SiteTemplateEntity, TemplateStateEntity];
