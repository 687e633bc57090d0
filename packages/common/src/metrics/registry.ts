/**
 * Prometheus metrics (prom-client). Each server owns one Registry, exposed at `/metrics` in the text format.
 * Components register their own gauges and counters on the registry they are given, never on the global one,
 * so two servers in one test process do not collide.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export { Registry } from 'prom-client';

/** A registry with the process metrics and the `quire_` prefix conventions. */
export function createMetricsRegistry(role: 'central' | 'site'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'quire_' });
  return registry;
}
