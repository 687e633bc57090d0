/** The site's own migrations, applied after @quire/common's (`commonMigrations`). */
import { CreateQueues1763700200000 } from './1763700200000-create-queues';
import { CreateJobs1763700300000 } from './1763700300000-create-jobs';
import { AddJobAnalysis1763700400000 } from './1763700400000-add-job-analysis';
import { AddRelease1763700500000 } from './1763700500000-add-release';
import { FederationOutbox1763700800000 } from './1763700800000-federation-outbox';
import { DirectoryCacheV21763700810000 } from './1763700810000-directory-cache-v2';
import { SiteTemplates1763700820000 } from './1763700820000-site-templates';
import { PrinterIdentity1763700900000 } from './1763700900000-printer-identity';
import { SnmpProfiles1763700910000 } from './1763700910000-snmp-profiles';
import { PrinterStatus1763700920000 } from './1763700920000-printer-status';
import { PrinterEvents1763700930000 } from './1763700930000-printer-events';
import { Discoveries1763700940000 } from './1763700940000-discoveries';

export const siteMigrations = [
  CreateQueues1763700200000,
  CreateJobs1763700300000,
  AddJobAnalysis1763700400000,
  AddRelease1763700500000,
  FederationOutbox1763700800000,
  DirectoryCacheV21763700810000,
  SiteTemplates1763700820000,
  PrinterIdentity1763700900000,
  SnmpProfiles1763700910000,
  PrinterStatus1763700920000,
  PrinterEvents1763700930000,
  Discoveries1763700940000,
];
