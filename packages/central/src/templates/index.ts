/**
 * Central's configuration templates: queues, policies, printer profiles and price lists that central owns and
 * replicates down to sites (`/api/v1/templates`, the template store, and its federation source).
 */
import { ConfigTemplateEntity, ConfigTemplateVersionEntity } from './config-template.entity';

export * from './config-template.entity';
export * from './template-settings';
export * from './template.store';
export * from './template-source';
export * from './templates.routes';
export * from './build-templates';

/** The templates' entities, for the server's DataSource. */
export const templateEntities = [ConfigTemplateEntity, ConfigTemplateVersionEntity];
