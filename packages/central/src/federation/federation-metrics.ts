/**
 * Prometheus metrics of the federation server. They live on the server's own registry (never the global one);
 * an existing metric of the same name is reused, so a server restarted in one process keeps counting.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** How a Session ended, the `outcome` label of `quire_federation_sessions_total`. */
export type SessionOutcome =
  | 'unauthenticated'
  | 'invalid'
  | 'timeout'
  | 'replaced'
  | 'closed'
  | 'disconnected'
  | 'unavailable'
  | 'error';

/** The federation server's gauges and counters. */
export interface FederationMetrics {
  connectedSites: Gauge;
  sessions: Counter<'outcome'>;
}

/** Register (or find) the federation metrics on `registry`. */
export function createFederationMetrics(registry: Registry): FederationMetrics {
  const connectedSites =
    (registry.getSingleMetric('quire_federation_connected_sites') as Gauge | undefined) ??
    new Gauge({
      name: 'quire_federation_connected_sites',
      help: 'Sites with an established federation session.',
      registers: [registry],
    });
  const sessions =
    (registry.getSingleMetric('quire_federation_sessions_total') as Counter<'outcome'> | undefined) ??
    new Counter({
      name: 'quire_federation_sessions_total',
      help: 'Federation sessions that ended, by how they ended.',
      labelNames: ['outcome'],
      registers: [registry],
    });
  return { connectedSites, sessions };
}
