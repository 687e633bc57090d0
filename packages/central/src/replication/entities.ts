/** The entities of the replicated tables, for central's entity list (server.ts `centralEntities`). */
import { SiteAuditEntity } from './site-audit.entity';
import { SiteJobEventEntity } from './site-job-event.entity';
import { SiteJobEntity } from './site-job.entity';
import { SitePrinterCounterEntity } from './site-printer-counter.entity';
import { SitePrinterEventEntity } from './site-printer-event.entity';

export const REPLICATED_ENTITIES = [
  SiteJobEntity,
  SiteJobEventEntity,
  SiteAuditEntity,
  SitePrinterCounterEntity,
  SitePrinterEventEntity,
];
