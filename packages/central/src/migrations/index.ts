/** Central's own migrations, applied after @quire/common's (`commonMigrations`). */
import { CreateSites1763700100000 } from './1763700100000-create-sites';

export const centralMigrations = [CreateSites1763700100000];
