/**
 * Reads and writes the site's database settings. Values are validated on every write and every read: a row
 * edited by hand into something invalid reads as unset rather than breaking every mail. The SMTP settings have
 * the same shape as central's (`parseSmtpSettings` from @quire/common), so one admin habit works on both tiers.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { JsonSettingsStore, parseSmtpSettings, type SmtpSettings } from '@quire/common';
import { SiteSettingEntity } from './site-setting.entity';

const SMTP_KEY = 'smtp';

/** The site's settings store. */
export class SiteSettings {
  private readonly store: JsonSettingsStore;

  constructor(dataSource: DataSource, now: () => Date = () => new Date()) {
    this.store = new JsonSettingsStore(dataSource, SiteSettingEntity, now);
  }

  /** The SMTP settings, or null when none are set (or the stored ones are no longer valid). */
  smtp(): Promise<SmtpSettings | null> {
    return this.store.readParsed(SMTP_KEY, parseSmtpSettings);
  }

  /** Store SMTP settings (checked first: VALIDATION_FAILED names each bad field, never quoting a value). */
  async setSmtp(input: unknown, manager?: EntityManager): Promise<SmtpSettings> {
    const settings = parseSmtpSettings(input);
    await this.store.write(SMTP_KEY, settings, manager);
    return settings;
  }
}
