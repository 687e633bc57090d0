/** The site's database settings (the SMTP server event mails go through) and their REST routes. */
import { SiteSettingEntity } from './site-setting.entity';

export * from './site-setting.entity';
export * from './site-settings';
export * from './notifications.routes';

/** The entities of the settings store, for the site's DataSource. */
export const siteSettingsEntities = [SiteSettingEntity];
