/**
 * The site's own settings kept in the database and changed through the API (the SMTP server event mails go
 * through, for now): one row per key, the value as JSON text.
 */
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '@quire/common';

@Entity({ name: 'site_settings' })
export class SiteSettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
