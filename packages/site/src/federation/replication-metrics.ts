/**
 * The site's figures for what came down from central, in `/metrics`: the directory and template versions it
 * holds (read from its database at scrape time, so they are right after a restart and while central is away),
 * and whether the last batch of each failed. Central shows the same versions per site in its own `/metrics`.
 */
import { Gauge, type Registry } from 'prom-client';
import type { VersionedApplier, VersionedSink } from './versioned-applier';

/** One replicated data set: the sink that holds it and the applier that reports its errors. */
export interface ReplicatedSet {
  /** `directory` or `templates`: the `set` label. */
  name: string;
  sink: Pick<VersionedSink<unknown>, 'appliedVersion'>;
  applier: Pick<VersionedApplier<unknown>, 'lastError'>;
}

/** Register `quire_replicated_version{set}` and `quire_replication_failing{set}` for `sets` (once per registry). */
export function registerReplicationMetrics(registry: Registry, sets: readonly ReplicatedSet[]): void {
  if (registry.getSingleMetric('quire_replicated_version')) return;
  new Gauge({
    name: 'quire_replicated_version',
    help: 'The version of a data set from central (directory, templates) this site has applied; 0 before the first.',
    labelNames: ['set'],
    registers: [registry],
    async collect() {
      for (const set of sets) {
        const version = await set.sink.appliedVersion().catch(() => null);
        if (version !== null) this.set({ set: set.name }, version);
      }
    },
  });
  new Gauge({
    name: 'quire_replication_failing',
    help: '1 while the last batch of a data set from central could not be applied (see the site log), else 0.',
    labelNames: ['set'],
    registers: [registry],
    collect() {
      for (const set of sets) this.set({ set: set.name }, set.applier.lastError ? 1 : 0);
    },
  });
}
