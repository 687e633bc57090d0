/** Central's own migrations, applied after @quire/common's (`commonMigrations`). */
import { CreateSites1763700100000 } from './1763700100000-create-sites';
import { CreateDirectory1763700600000 } from './1763700600000-create-directory';

export const centralMigrations = [CreateSites1763700100000, CreateDirectory1763700600000];
