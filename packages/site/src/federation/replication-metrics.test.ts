/** registerReplicationMetrics: versions read at scrape time, and a failing set flagged. */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { registerReplicationMetrics } from './replication-metrics';

describe('registerReplicationMetrics', () => {
  it('shows the version each set holds now and whether its last batch failed', async () => {
    const registry = new Registry();
    let directoryVersion = 7;
    const templates = { lastError: null as string | null };
    registerReplicationMetrics(registry, [
      {
        name: 'directory',
        sink: { appliedVersion: async () => directoryVersion },
        applier: { lastError: null },
      },
      { name: 'templates', sink: { appliedVersion: async () => 3 }, applier: templates },
    ]);
    registerReplicationMetrics(registry, []);
    let text = await registry.metrics();
    expect(text).to.contain('quire_replicated_version{set="directory"} 7');
    expect(text).to.contain('quire_replicated_version{set="templates"} 3');
    expect(text).to.contain('quire_replication_failing{set="templates"} 0');
    directoryVersion = 9;
    templates.lastError = 'a template names an unknown printer';
    text = await registry.metrics();
    expect(text).to.contain('quire_replicated_version{set="directory"} 9');
    expect(text).to.contain('quire_replication_failing{set="templates"} 1');
  });
});
