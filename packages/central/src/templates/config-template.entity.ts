/**
 * Configuration templates as central stores them, and their version counter.
 *
 * Every write bumps the one counter row (its row lock orders concurrent writers, so versions commit in order) and
 * stamps the template with the new value. A template therefore carries the version of its last change, and
 * "what changed since V" is the templates whose version is above V. Deletions stay as tombstones (`deleted_at`
 * set, `name_key` cleared so the name can be used again) for the same reason.
 */
import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { type TemplateType } from './template-settings';

/** The id of the single counter row. */
export const TEMPLATE_VERSION_ROW = 'templates';

/** MySQL returns BIGINT as a string; versions stay far below 2^53, so a number is exact. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number | null) => (value === null ? 0 : Number(value)),
};

/** JSON text holding an object or a list; the store writes only values it checked. */
const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : JSON.stringify(value)),
  from: (text: string | null): unknown => JSON.parse(text ?? 'null'),
};

@Entity({ name: 'config_templates' })
@Index('uq_config_templates_type_name', ['type', 'nameKey'], { unique: true })
export class ConfigTemplateEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: TemplateType;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  /** The lower-cased name while the template lives, NULL once deleted (NULLs never collide in a unique index). */
  @Column({ name: 'name_key', type: 'varchar', length: 127, nullable: true })
  nameKey!: string | null;

  @Column({ type: 'text', transformer: jsonText })
  settings!: Record<string, unknown>;

  /** Names of the settings a site may override locally. */
  @Column({ type: 'text', transformer: jsonText })
  overridable!: string[];

  @Index('idx_config_templates_version')
  @Column({ type: 'bigint', transformer: bigintNumber })
  version!: number;

  @TimestampColumn({ name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

/** The templates' version counter: one row. */
@Entity({ name: 'config_template_version' })
export class ConfigTemplateVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  value!: number;
}
