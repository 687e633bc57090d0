/** Central's own migrations, applied after @quire/common's (`commonMigrations`). */
import { CreateSites1763700100000 } from './1763700100000-create-sites';
import { CreateDirectory1763700600000 } from './1763700600000-create-directory';
import { DirectoryCardSlots1763700700000 } from './1763700700000-directory-card-slots';
import { ReplicatedRecords1763700800000 } from './1763700800000-replicated-records';
import { ConfigTemplates1763700820000 } from './1763700820000-config-templates';
import { SitePrinters1763700900000 } from './1763700900000-site-printers';

export const centralMigrations = [
  CreateSites1763700100000,
  CreateDirectory1763700600000,
  DirectoryCardSlots1763700700000,
  ReplicatedRecords1763700800000,
  ConfigTemplates1763700820000,
  SitePrinters1763700900000,
];
