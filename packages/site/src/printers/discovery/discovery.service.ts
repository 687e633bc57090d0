/**
 * Runs a discovery: checks the request and everything it refers to (ranges, SNMP and configuration profiles,
 * queues) before sending a single packet, probes the addresses over SNMP with bounded concurrency, then applies
 * what answered device by device (discovery-applier.ts). Used by the REST API, the CLI and saved discoveries
 * (their schedule included), which all get the same report. Every run is registered in `runs` from the moment
 * its request has been checked, so it can be followed and cancelled while it runs (discovery-runs.ts).
 */
import { type DataSource } from 'typeorm';
import { ErrorCode, QuireError, SYSTEM_ACTOR, type AuditService, type Logger } from '@quire/common';
import { type QueueService } from '../../queues';
import { type PrinterService } from '../printer.service';
import { type SnmpProfileSettings } from '../snmp/snmp-settings';
import { ALLOW_ALL_ACTIVATIONS, type ActivationGate } from './activation-gate';
import { parseAddressSet, type AddressSet } from './address-ranges';
import {
  DiscoveryApplier,
  type ApplyPlan,
  type AuditActor,
  type DiscoveredPrinter,
} from './discovery-applier';
import { checkDiscoveryRequest, type DiscoveryRequest } from './discovery-input';
import { probeAddresses, type DiscoveryProgress, type IdentifyDevice } from './discovery-prober';
import { allRules, referencesOf } from './discovery-rules';
import {
  countOutcomes,
  DiscoveryRuns,
  type DiscoveryReport,
  type DiscoveryRunHandle,
  type DiscoveryRunView,
} from './discovery-runs';
import { DEFAULT_NAME_TEMPLATE } from './name-template';
import { reverseDnsLookup, type ReverseLookup } from './reverse-dns';

/** The SNMP profiles, as discovery uses them. */
export interface DiscoverySnmpProfiles {
  /** The settings of a profile; null or undefined for the default one. SNMP_PROFILE_NOT_FOUND otherwise. */
  settingsById(id: string | null | undefined): Promise<SnmpProfileSettings>;
}

/** The configuration profiles, as discovery uses them: CONFIG_PROFILE_NOT_FOUND for an unknown id. */
export interface DiscoveryConfigProfiles {
  get(id: string): Promise<unknown>;
}

/** Dependencies of the discovery service. */
export interface DiscoveryServiceOptions {
  dataSource: DataSource;
  printers: PrinterService;
  queues: QueueService;
  snmpProfiles: DiscoverySnmpProfiles;
  configProfiles: DiscoveryConfigProfiles;
  /** Reads a device's identity (the SNMP layer's identifyPrinter). */
  identify: IdentifyDevice;
  audit: AuditService;
  /** Most addresses probed at once (`printers.discoveryConcurrency`). */
  concurrency: number;
  /** Default: every activation allowed (there is no licensing yet). */
  activation?: ActivationGate;
  /** Default: a PTR query with a 1 s limit; only asked for templates with %hostname%. */
  reverseLookup?: ReverseLookup;
  logger: Logger;
  /** Milliseconds since the epoch; tests pin it. */
  clock?: () => number;
}

/** Who runs a discovery and what it is, for the audit rows and the logs; and where progress goes. */
export interface DiscoveryRunContext {
  actor: AuditActor;
  discovery?: { id: string; name: string };
  onProgress?: (progress: DiscoveryProgress) => void;
}

/** A run that has started: how it looks now, and its report once it ends (rejected when it fails). */
export interface StartedDiscovery {
  run: DiscoveryRunView;
  done: Promise<DiscoveryReport>;
}

/** A request checked and resolved: what to probe, with which profile, and the applier's plan. */
interface PreparedRun {
  addresses: AddressSet;
  profile: SnmpProfileSettings;
  plan: ApplyPlan;
}

/** Runs discoveries; see the file comment. */
export class DiscoveryService {
  /** The runs of this process, running and recently ended. */
  readonly runs: DiscoveryRuns;
  private readonly applier: DiscoveryApplier;
  private readonly reverseLookup: ReverseLookup;
  private readonly clock: () => number;
  private readonly active = new Set<Promise<DiscoveryReport>>();
  private closing = false;

  constructor(private readonly options: DiscoveryServiceOptions) {
    this.applier = new DiscoveryApplier({
      dataSource: options.dataSource,
      printers: options.printers,
      queues: options.queues,
      audit: options.audit,
      activation: options.activation ?? ALLOW_ALL_ACTIVATIONS,
      logger: options.logger,
    });
    this.reverseLookup = options.reverseLookup ?? reverseDnsLookup();
    this.clock = options.clock ?? Date.now;
    this.runs = new DiscoveryRuns(this.clock);
  }

  /**
   * Check a request and everything it names, without probing: VALIDATION_FAILED, DISCOVERY_RANGE_INVALID,
   * SNMP_PROFILE_NOT_FOUND, CONFIG_PROFILE_NOT_FOUND or QUEUE_NOT_FOUND. Saved discoveries are checked so too.
   */
  async check(request: DiscoveryRequest): Promise<void> {
    await this.prepare(checkDiscoveryRequest(request), { actor: { actorName: SYSTEM_ACTOR } });
  }

  /**
   * Run a discovery now; resolves with every device that answered and what became of it. NOT_READY once `close`
   * was called (a run in progress then stops taking addresses and devices, and fails the same way), and
   * DISCOVERY_CANCELLED when an admin cancels it.
   */
  async run(request: DiscoveryRequest, context: DiscoveryRunContext): Promise<DiscoveryReport> {
    return (await this.start(request, context)).done;
  }

  /**
   * Check a request and start running it; resolves as soon as the run is registered, with the run and a
   * promise of its report. A request that fails its checks rejects here, before any run exists. The caller
   * must handle a rejection of `done`.
   */
  async start(request: DiscoveryRequest, context: DiscoveryRunContext): Promise<StartedDiscovery> {
    this.assertOpen();
    const started = this.clock();
    const prepared = await this.prepare(checkDiscoveryRequest(request), context);
    this.assertOpen();
    const handle = this.runs.begin({
      discovery: context.discovery ?? null,
      dryRun: prepared.plan.dryRun,
      startedBy: context.actor.actorName,
      addresses: prepared.addresses.size,
    });
    const done = this.runToEnd(prepared, context, handle, started);
    this.active.add(done);
    void done.then(
      () => this.active.delete(done),
      () => this.active.delete(done),
    );
    return { run: this.runs.get(handle.id), done };
  }

  /** Stop every run in progress after its current probes and device, and refuse new ones (server stop). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.active]);
  }

  private assertOpen(): void {
    if (this.closing)
      throw new QuireError(ErrorCode.NotReady, 'The site is stopping; discovery is not available');
  }

  /** NOT_READY when the server stops, DISCOVERY_CANCELLED when an admin cancelled the run. */
  private assertGoingOn(handle: DiscoveryRunHandle): void {
    this.assertOpen();
    if (handle.signal.aborted) {
      throw new QuireError(ErrorCode.DiscoveryCancelled, `Discovery run ${handle.id} was cancelled`);
    }
  }

  /** Probe and apply a prepared run, reporting progress and the end to its handle. */
  private async runToEnd(
    prepared: PreparedRun,
    context: DiscoveryRunContext,
    handle: DiscoveryRunHandle,
    started: number,
  ): Promise<DiscoveryReport> {
    try {
      const report = await this.probeAndApply(prepared, context, handle, started);
      handle.complete(report);
      return report;
    } catch (err) {
      handle.fail(err);
      throw err;
    }
  }

  private async probeAndApply(
    { addresses, profile, plan }: PreparedRun,
    context: DiscoveryRunContext,
    handle: DiscoveryRunHandle,
    started: number,
  ): Promise<DiscoveryReport> {
    const logger = this.options.logger;
    const discovery = context.discovery?.name ?? null;
    logger.info('discovery started', {
      run: handle.id,
      discovery,
      addresses: addresses.size,
      dryRun: plan.dryRun,
    });
    const devices = await probeAddresses({
      addresses,
      profile,
      identify: this.options.identify,
      concurrency: this.options.concurrency,
      onProgress: (progress) => {
        handle.progress(progress);
        context.onProgress?.(progress);
      },
      stopped: () => this.closing || handle.signal.aborted,
      logger,
    });
    const found: DiscoveredPrinter[] = [];
    for (const device of devices) {
      this.assertGoingOn(handle);
      found.push(await this.applier.apply(device, plan));
      handle.deviceApplied();
    }
    this.assertGoingOn(handle);
    const report = {
      found,
      scanned: addresses.size,
      durationMs: this.clock() - started,
      dryRun: plan.dryRun,
    };
    logger.info('discovery finished', {
      run: handle.id,
      discovery,
      scanned: report.scanned,
      found: found.length,
      outcomes: countOutcomes(found),
      durationMs: report.durationMs,
    });
    return report;
  }

  private async prepare(request: DiscoveryRequest, context: DiscoveryRunContext): Promise<PreparedRun> {
    const addresses = parseAddressSet(request.ranges, request.exclude ?? []);
    const profile = await this.options.snmpProfiles.settingsById(request.snmpProfileId ?? null);
    const rules = allRules(request.actions, request.rules);
    const references = referencesOf(rules);
    for (const id of references.configProfiles) await this.options.configProfiles.get(id);
    const plan: ApplyPlan = {
      rules,
      queueIds: await this.resolveQueues(references.queues),
      nameTemplate: request.nameTemplate ?? DEFAULT_NAME_TEMPLATE,
      renameExisting: request.renameExisting === true,
      dryRun: request.dryRun === true,
      actor: context.actor,
      discovery: { id: context.discovery?.id ?? null, name: context.discovery?.name ?? null },
      reservedNames: new Set(),
      hostnameOf: this.reverseLookup,
    };
    const timeoutMs = request.timeoutMs ?? profile.timeoutMs;
    return { addresses, profile: { ...profile, timeoutMs }, plan };
  }

  /** The id of each queue reference; a direct queue cannot take more printers, so it is refused up front. */
  private async resolveQueues(refs: string[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const ref of refs) {
      const queue = await this.options.queues.resolve(ref);
      if (queue.type === 'direct') {
        throw new QuireError(
          ErrorCode.ValidationFailed,
          `Queue "${queue.name}" is a direct queue, which prints on exactly one printer; ` +
            'add printers to pull or tandem queues, or use createDirectQueue',
          { details: { fields: [{ field: 'addToQueues', problem: `"${ref}" is a direct queue` }] } },
        );
      }
      ids.set(ref, queue.id);
    }
    return ids;
  }
}
