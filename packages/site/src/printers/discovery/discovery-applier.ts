/**
 * Applies what discovery found, one device at a time, each in its own transaction with its `printer.discover`
 * audit row: a device that cannot be added (a name or MAC race, a managed queue refusing the printer) is
 * reported and rolled back alone, and the others still land. Devices are applied one after another, never in
 * parallel, so two devices of one run never race for a name or a queue's printer list.
 *
 * A new device becomes a printer at `socket://IP:9100`, inactive unless a rule activates it and the activation
 * gate agrees, with the identity, location and contact SNMP gave, and gets every action (first-run ones
 * included). A known device keeps its name (the admin may have renamed it) unless the run re-applies the name
 * template, and gets the all-run actions; see discovery-identity.ts for what else changes on it.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import {
  describeError,
  ErrorCode,
  isQuireError,
  type AuditEntry,
  type AuditService,
  type Logger,
} from '@quire/common';
import { type QueueService } from '../../queues';
import { type NewPrinter, type PrinterPatch } from '../printer-input';
import { type PrinterEntity } from '../printer.entity';
import { type PrinterService } from '../printer.service';
import { type ActivationGate } from './activation-gate';
import {
  deviceKey,
  knownPrinterPatch,
  matchPrinter,
  type DeviceKey,
  type MatchedBy,
  type PrinterMatch,
} from './discovery-identity';
import { type ProbedDevice } from './discovery-prober';
import { actionsFor, resolveLocation, type DeviceActions, type DiscoveryRule } from './discovery-rules';
import { printerNameFor, sanitisePrinterName } from './name-template';

/** What happened to a device. */
export type DiscoveryOutcome = 'added' | 'updated' | 'unchanged' | 'skipped';

/** One device a discovery found, and what it did (or, in a dry run, would do) with it. */
export interface DiscoveredPrinter {
  address: string;
  model: string;
  serial: string | null;
  mac: string | null;
  sysName: string;
  colorCapable: boolean | null;
  /** The printer it is or became; null when skipped, or new in a dry run. */
  printerId: string | null;
  outcome: DiscoveryOutcome;
  /** The printer's name (for a new device in a dry run, the name it would get); null when skipped. */
  name: string | null;
  matchedBy: MatchedBy | null;
  /** Whether the printer is active (enabled) after the run. */
  enabled: boolean | null;
  /** The direct queue created for it on this run. */
  directQueue: string | null;
  /** Why it was skipped. */
  reason: string | null;
}

/** Who a run's audit rows name. */
export type AuditActor = Pick<AuditEntry, 'actorId' | 'actorName' | 'remoteAddr' | 'requestId'>;

/** Everything about a run the applier needs, checked and resolved before the first device. */
export interface ApplyPlan {
  rules: DiscoveryRule[];
  /** Queue id of each queue reference the rules use. */
  queueIds: ReadonlyMap<string, string>;
  nameTemplate: string;
  renameExisting: boolean;
  dryRun: boolean;
  actor: AuditActor;
  discovery: { id: string | null; name: string | null };
  /**
   * Lower-cased names a dry run has already given to new devices: nothing is written, so without it two new
   * devices could be shown with one name.
   */
  reservedNames: Set<string>;
  /** The reverse-DNS name of an address (null when none); asked only for templates with %hostname%. */
  hostnameOf: (address: string) => Promise<string | null>;
}

/** Dependencies of the applier. */
export interface DiscoveryApplierOptions {
  dataSource: DataSource;
  printers: PrinterService;
  queues: QueueService;
  audit: AuditService;
  activation: ActivationGate;
  logger: Logger;
}

/** What one device's transaction decided. */
interface DeviceDecision {
  match: PrinterMatch | null;
  name: string;
  newPrinter: NewPrinter | null;
  patch: PrinterPatch;
  /** Ids of the queues whose printer list lacks the printer. */
  joinQueues: string[];
}

/** Queue names may not hold what printer names may: `/ \ ? # ' "`. */
function queueNameFor(printerName: string): string {
  return printerName.replace(/[/\\?#'"]/g, '-');
}

/** Applies discovered devices; see the file comment. */
export class DiscoveryApplier {
  constructor(private readonly options: DiscoveryApplierOptions) {}

  /** Apply (or in a dry run, only decide) one device; never throws for a device-level problem. */
  async apply(device: ProbedDevice, plan: ApplyPlan): Promise<DiscoveredPrinter> {
    const report = this.baseReport(device);
    if (!device.identity.isPrinter) {
      return { ...report, reason: 'answers SNMP but has no Printer MIB: not a printer' };
    }
    try {
      if (plan.dryRun) return await this.decideOnly(device, plan, report);
      return await this.options.dataSource.transaction((manager) =>
        this.applyIn(manager, device, plan, report),
      );
    } catch (err) {
      this.options.logger.warn('discovery could not apply a device', {
        address: device.address,
        error: describeError(err),
      });
      return { ...report, outcome: 'skipped', reason: describeError(err) };
    }
  }

  private baseReport(device: ProbedDevice): DiscoveredPrinter {
    const key = deviceKey(device.address, device.identity);
    return {
      address: device.address,
      model: device.identity.model,
      serial: key.serial,
      mac: key.mac,
      sysName: device.identity.sysName,
      colorCapable: device.identity.colorCapable,
      printerId: null,
      outcome: 'skipped',
      name: null,
      matchedBy: null,
      enabled: null,
      directQueue: null,
      reason: null,
    };
  }

  private async decideOnly(device: ProbedDevice, plan: ApplyPlan, report: DiscoveredPrinter) {
    const actions = actionsFor(plan.rules, device.identity);
    const decision = await this.decide(device, plan, actions);
    if (!decision.match) plan.reservedNames.add(decision.name.toLowerCase());
    const changed = Object.keys(decision.patch).length > 0 || decision.joinQueues.length > 0;
    return {
      ...report,
      printerId: decision.match?.printer.id ?? null,
      outcome: decision.match ? (changed ? 'updated' : 'unchanged') : 'added',
      name: decision.name,
      matchedBy: decision.match?.by ?? null,
      enabled: decision.match ? decision.match.printer.enabled : actions.activate,
      directQueue: !decision.match && actions.createDirectQueue ? queueNameFor(decision.name) : null,
    } satisfies DiscoveredPrinter;
  }

  private async applyIn(
    manager: EntityManager,
    device: ProbedDevice,
    plan: ApplyPlan,
    report: DiscoveredPrinter,
  ): Promise<DiscoveredPrinter> {
    const actions = actionsFor(plan.rules, device.identity);
    const decision = await this.decide(device, plan, actions, manager);
    let printer: PrinterEntity;
    let directQueue: string | null = null;
    if (decision.newPrinter) {
      const activate = actions.activate && (await this.options.activation.allow(1, manager)) >= 1;
      printer = await this.options.printers.create({ ...decision.newPrinter, enabled: activate }, manager);
      if (actions.createDirectQueue) directQueue = await this.createDirectQueue(printer, manager);
    } else {
      const known = decision.match!.printer;
      const changed = Object.keys(decision.patch).length > 0;
      printer = changed ? await this.options.printers.update(known.id, decision.patch, manager) : known;
    }
    for (const queueId of decision.joinQueues) await this.joinQueue(queueId, printer.id, manager);
    const outcome: DiscoveryOutcome = decision.newPrinter
      ? 'added'
      : Object.keys(decision.patch).length > 0 || decision.joinQueues.length > 0
        ? 'updated'
        : 'unchanged';
    const result: DiscoveredPrinter = {
      ...report,
      printerId: printer.id,
      outcome,
      name: printer.name,
      matchedBy: decision.match?.by ?? null,
      enabled: printer.enabled,
      directQueue,
    };
    if (outcome !== 'unchanged') await this.audit(manager, plan, result, decision);
    return result;
  }

  /** Match the device and work out the printer, the changes and the queues to join. */
  private async decide(
    device: ProbedDevice,
    plan: ApplyPlan,
    actions: DeviceActions,
    manager?: EntityManager,
  ): Promise<DeviceDecision> {
    const printers = await this.options.printers.list(manager);
    const key = deviceKey(device.address, device.identity);
    const match = matchPrinter(key, printers);
    const wantedQueues = actions.queues.map((ref) => plan.queueIds.get(ref)!);
    if (!match) {
      const name = await this.nameFor(device, key, plan, printers, null);
      return {
        match,
        name,
        newPrinter: this.newPrinter(name, device, key, actions),
        patch: {},
        joinQueues: [...new Set(wantedQueues)],
      };
    }
    const patch = knownPrinterPatch(match.printer, key, device.identity, actions);
    if (plan.renameExisting) {
      const name = await this.nameFor(device, key, plan, printers, match.printer);
      if (name !== match.printer.name) patch.name = name;
    }
    const joinQueues: string[] = [];
    for (const queueId of new Set(wantedQueues)) {
      const queue = await this.options.queues.get(queueId, manager);
      if (!queue.printers.includes(match.printer.id)) joinQueues.push(queueId);
    }
    return { match, name: patch.name ?? match.printer.name, newPrinter: null, patch, joinQueues };
  }

  /** The template's name for the device, unique among `printers` other than `self`. */
  private async nameFor(
    device: ProbedDevice,
    key: DeviceKey,
    plan: ApplyPlan,
    printers: readonly PrinterEntity[],
    self: PrinterEntity | null,
  ): Promise<string> {
    const taken = new Set(printers.filter((p) => p.id !== self?.id).map((p) => p.nameKey));
    for (const reserved of plan.reservedNames) taken.add(reserved);
    const needsHostname = /%hostname%/i.test(plan.nameTemplate);
    const values = {
      model: device.identity.model,
      address: device.address,
      serial: key.serial,
      hostname: needsHostname ? await plan.hostnameOf(device.address) : null,
      sysName: device.identity.sysName,
      location: device.identity.sysLocation,
    };
    return printerNameFor(plan.nameTemplate, values, (nameKey) => Promise.resolve(taken.has(nameKey)));
  }

  private newPrinter(name: string, device: ProbedDevice, key: DeviceKey, actions: DeviceActions): NewPrinter {
    const { identity } = device;
    return {
      name,
      uri: `socket://${device.address}:9100`,
      enabled: false,
      model: identity.model.slice(0, 255),
      serial: key.serial,
      mac: key.mac,
      colorCapable: identity.colorCapable,
      location: resolveLocation(actions.location ?? '%location%', identity.sysLocation),
      contact: identity.sysContact.slice(0, 255),
      group: actions.group,
      configProfileId: actions.configProfileId,
    };
  }

  /** A direct queue for a new printer, named after it (`-2`, ... when the name is a queue's already). */
  private async createDirectQueue(printer: PrinterEntity, manager: EntityManager): Promise<string> {
    const base = sanitisePrinterName(queueNameFor(printer.name), `printer-${printer.id}`);
    for (let n = 1; ; n += 1) {
      const name = n === 1 ? base : `${base}-${n}`;
      if (await this.queueExists(name, manager)) continue;
      const queue = await this.options.queues.create(
        {
          name,
          type: 'direct',
          printers: [printer.id],
          description: `Prints straight to ${printer.name} (created by printer discovery)`,
        },
        manager,
      );
      return queue.name;
    }
  }

  private async queueExists(name: string, manager: EntityManager): Promise<boolean> {
    try {
      await this.options.queues.resolve(name, manager);
      return true;
    } catch (err) {
      if (isQuireError(err, ErrorCode.QueueNotFound)) return false;
      throw err;
    }
  }

  private async joinQueue(queueId: string, printerId: string, manager: EntityManager): Promise<void> {
    const queue = await this.options.queues.get(queueId, manager);
    if (queue.printers.includes(printerId)) return;
    await this.options.queues.update(queueId, { printers: [...queue.printers, printerId] }, manager);
  }

  private async audit(
    manager: EntityManager,
    plan: ApplyPlan,
    result: DiscoveredPrinter,
    decision: DeviceDecision,
  ): Promise<void> {
    await this.options.audit.record(
      {
        ...plan.actor,
        action: 'printer.discover',
        targetType: 'printer',
        targetId: result.printerId,
        outcome: 'ok',
        details: {
          address: result.address,
          outcome: result.outcome,
          matchedBy: result.matchedBy,
          settings: decision.newPrinter
            ? { ...decision.newPrinter, enabled: result.enabled }
            : decision.patch,
          joinedQueues: decision.joinQueues,
          directQueue: result.directQueue,
          discoveryId: plan.discovery.id,
          discoveryName: plan.discovery.name,
        },
      },
      manager,
    );
  }
}
