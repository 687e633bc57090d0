/**
 * Reads and writes the site's database settings. Values are validated on every write and every read: a row
 * edited by hand into something invalid reads as unset rather than breaking every mail. The SMTP settings have
 * the same shape as central's (`parseSmtpSettings` from @quire/common), so one admin habit works on both tiers.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { parseSmtpSettings, type SmtpSettings } from '@quire/common';
import { SiteSettingEntity } from './site-setting.entity';

const SMTP_KEY = 'smtp';

/** The site's settings store. */
export class SiteSettings {
  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The SMTP settings, or null when none are set (or the stored ones are no longer valid). */
  async smtp(): Promise<SmtpSettings | null> {
    const raw = await this.read(SMTP_KEY);
    if (raw === null) return null;
    try {
      return parseSmtpSettings(raw);
    } catch {
      return null;
    }
  }

  /** Store SMTP settings (checked first: VALIDATION_FAILED names each bad field, never quoting a value). */
  async setSmtp(input: unknown, manager?: EntityManager): Promise<SmtpSettings> {
    const settings = parseSmtpSettings(input);
    await this.write(SMTP_KEY, settings, manager);
    return settings;
  }

  private async read(key: string): Promise<unknown> {
    const row = await this.dataSource.manager.findOneBy(SiteSettingEntity, { key });
    if (!row) return null;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return null;
    }
  }

  private async write(key: string, value: unknown, manager?: EntityManager): Promise<void> {
    const tx = manager ?? this.dataSource.manager;
    await tx.delete(SiteSettingEntity, { key });
    await tx.insert(SiteSettingEntity, { key, value: JSON.stringify(value), updatedAt: this.now() });
  }
}
