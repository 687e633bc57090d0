/**
 * Composes the templates capability of central on an open DataSource: the store the REST API writes through,
 * the source federation reads, and the session participant that publishes the templates to every site.
 */
import { type DataSource } from 'typeorm';
import { type Logger } from '@quire/common';
import { type TemplateChange } from '@quire/shared-proto';
import { versionedPublisher, type SessionParticipantFactory } from '../federation';
import { TemplateSource } from './template-source';
import { TemplateStore } from './template.store';

/** What the templates capability needs from the server that composes it. */
export interface BuildTemplatesOptions {
  dataSource: DataSource;
  logger: Logger;
  /** Record the template version a site has applied (the sites API shows it). */
  recordApplied(siteId: string, version: number): Promise<void>;
  /** Record (or clear, with null) the last template replication error of a site. */
  recordError?(siteId: string, error: string | null): void;
  /** Poll interval of the version counter; default 500 ms. */
  pollMs?: number;
}

/** The templates capability: `store` for the REST API, `publisher` for FederationServer's participants. */
export interface TemplatesCapability {
  store: TemplateStore;
  source: TemplateSource;
  publisher: SessionParticipantFactory;
}

/** Build the template store, its federation source, and the publisher that sends templates to sites. */
export function buildTemplates(options: BuildTemplatesOptions): TemplatesCapability {
  const store = new TemplateStore({ dataSource: options.dataSource });
  const source = new TemplateSource({ store, dataSource: options.dataSource, pollMs: options.pollMs });
  const publisher = versionedPublisher<TemplateChange>({
    payload: 'templates',
    ack: 'templateAck',
    source,
    helloVersion: (hello) => Number(hello.templateVersion) || 0,
    recordApplied: options.recordApplied,
    recordError: options.recordError,
    logger: options.logger.child({ component: 'template-publisher' }),
  });
  return { store, source, publisher };
}
