/** Printer discovery: address ranges, SNMP probes, name templates, rules, saved and scheduled discoveries. */
export * from './activation-gate';
export * from './address-ranges';
export * from './discovery-applier';
export * from './discovery-cli';
export * from './discovery-identity';
export * from './discovery-input';
export * from './discovery-prober';
export * from './discovery-rules';
export * from './discovery-scheduler';
export * from './discovery-settings.service';
export * from './discovery.entity';
export * from './discovery.repository';
export * from './discovery.routes';
export * from './discovery.service';
export * from './name-template';
export * from './reverse-dns';
export * from './discovery-composition';
