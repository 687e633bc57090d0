/** The site's own migrations, applied after @quire/common's (`commonMigrations`). */
import { CreateQueues1763700200000 } from './1763700200000-create-queues';
import { CreateJobs1763700300000 } from './1763700300000-create-jobs';

export const siteMigrations = [CreateQueues1763700200000, CreateJobs1763700300000];
