/** The site's own migrations, applied after @quire/common's (`commonMigrations`). */
import { CreateQueues1763700200000 } from './1763700200000-create-queues';
import { CreateJobs1763700300000 } from './1763700300000-create-jobs';
import { AddJobAnalysis1763700400000 } from './1763700400000-add-job-analysis';
import { AddRelease1763700500000 } from './1763700500000-add-release';

export const siteMigrations = [
  CreateQueues1763700200000,
  CreateJobs1763700300000,
  AddJobAnalysis1763700400000,
  AddRelease1763700500000,
];
