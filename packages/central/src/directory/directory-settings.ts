/**
 * Directory settings kept in the database and changed through the API: the SMTP server notifications go
 * through, the mail templates, and who is mailed about errors in the log. One row per key, JSON values (the
 * common JsonSettingsStore), validated on every write and every read (a row edited by hand into something
 * invalid reads as unset, with the default, rather than breaking every mail).
 */
import { Column, Entity, PrimaryColumn, type DataSource, type EntityManager } from 'typeorm';
import { JsonSettingsStore, TimestampColumn } from '@quire/common';
import {
  parseErrorEventSettings,
  storedErrorEventSettings,
  type ErrorEventSettings,
} from './error-event-settings';
import { mailTemplateSetSchema, type MailTemplateSet } from './mail-templates';
import { parseSmtpSettings, type SmtpSettings } from '@quire/common';

@Entity({ name: 'directory_settings' })
export class DirectorySettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

/** Reads and writes the directory settings. */
export class DirectorySettings {
  private readonly store: JsonSettingsStore;

  constructor(dataSource: DataSource) {
    this.store = new JsonSettingsStore(dataSource, DirectorySettingEntity);
  }

  /** The SMTP settings, or null when none are set. */
  smtp(): Promise<SmtpSettings | null> {
    return this.store.readParsed('smtp', parseSmtpSettings);
  }

  /** Store SMTP settings (checked first: VALIDATION_FAILED names each bad field). */
  async setSmtp(input: unknown, manager?: EntityManager): Promise<SmtpSettings> {
    const settings = parseSmtpSettings(input);
    await this.store.write('smtp', settings, manager);
    return settings;
  }

  /** The mail templates (kinds not set are the defaults). */
  async templates(): Promise<MailTemplateSet> {
    const parsed = mailTemplateSetSchema.safeParse(await this.store.read('mail-templates'));
    return parsed.success ? parsed.data : {};
  }

  /** Store the mail templates. */
  async setTemplates(set: MailTemplateSet, manager?: EntityManager): Promise<void> {
    await this.store.write('mail-templates', mailTemplateSetSchema.parse(set), manager);
  }

  /** The error-event notification settings (the defaults, off, when none are set). */
  async errorEvents(): Promise<ErrorEventSettings> {
    return storedErrorEventSettings(await this.store.read('error-events'));
  }

  /**
   * Store error-event settings given as the API's `{ errorEvents: {...} }` (checked first: VALIDATION_FAILED
   * names each bad field); resolves with what was stored, defaults applied.
   */
  async setErrorEvents(input: unknown, manager?: EntityManager): Promise<ErrorEventSettings> {
    const settings = parseErrorEventSettings(input);
    await this.store.write('error-events', settings, manager);
    return settings;
  }
}
