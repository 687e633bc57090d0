/**
 * Discovery rules as in MyQ's discovery actions: a filter (model names, colour) and what to do with the devices
 * it matches. `actions` given outside any rule apply to every device, first. When several rules match, lists
 * add up (queues) and single values are taken from the last matching rule that sets them (group, profile,
 * location), so a specific rule placed after a general one refines it; `activate` and `createDirectQueue` hold
 * when any matching rule asks for them.
 *
 * Which actions run when: group, queues, configuration profile and location on every run, for new and known
 * devices alike; activation and the direct queue only when the device is first added (MyQ's "first-run
 * actions"), so an admin who deactivates a printer or deletes its queue is not overruled by the next run.
 */
import { z } from 'zod';

/** What to do with a matching device. */
export const discoveryActionsSchema = z.strictObject({
  /** The printer group to put it in (a printer has one group: this replaces the one it had). */
  addToGroup: z.string().min(1).max(64).optional(),
  /** Queues (names or ids) whose printer list it joins. */
  addToQueues: z.array(z.string().min(1).max(127)).max(50).optional(),
  /** First run only: a direct queue named after the printer, printing straight to it. */
  createDirectQueue: z.boolean().optional(),
  configProfileId: z.string().min(1).max(36).optional(),
  /** First run only: activate (enable) the new printer, if the licence allows. */
  activate: z.boolean().optional(),
  /** Literal text, or `%location%` for the device's sysLocation; absent leaves the location as it is. */
  location: z.string().max(255).optional(),
});

/** Which devices a rule applies to; every condition given must hold, and an empty filter matches all. */
export const discoveryFilterSchema = z.strictObject({
  /** Matches when the device's model contains any of these, without regard to case. */
  models: z.array(z.string().min(1).max(255)).min(1).max(100).optional(),
  /** true: colour devices only; false: monochrome devices only (a device that does not say matches neither). */
  color: z.boolean().optional(),
});

/** One rule: a filter and its actions. */
export const discoveryRuleSchema = z.strictObject({
  filter: discoveryFilterSchema.optional(),
  actions: discoveryActionsSchema,
});

/** The actions of a rule. */
export type DiscoveryActions = z.infer<typeof discoveryActionsSchema>;
/** The filter of a rule. */
export type DiscoveryFilter = z.infer<typeof discoveryFilterSchema>;
/** A discovery rule. */
export type DiscoveryRule = z.infer<typeof discoveryRuleSchema>;

/** What a filter looks at. */
export interface FilterSubject {
  model: string;
  colorCapable: boolean | null;
}

/** The actions that apply to one device, merged from every matching rule. */
export interface DeviceActions {
  group: string | null;
  /** Queue references as given (names or ids), without repeats. */
  queues: string[];
  createDirectQueue: boolean;
  configProfileId: string | null;
  activate: boolean;
  location: string | null;
}

/** Whether `filter` matches `device`. */
export function filterMatches(filter: DiscoveryFilter | undefined, device: FilterSubject): boolean {
  if (!filter) return true;
  if (filter.color !== undefined && device.colorCapable !== filter.color) return false;
  if (filter.models) {
    const model = device.model.toLowerCase();
    if (!filter.models.some((part) => model.includes(part.toLowerCase()))) return false;
  }
  return true;
}

/** The rules in the order they apply: the unfiltered `actions` first, then `rules` as given. */
export function allRules(
  actions: DiscoveryActions | undefined,
  rules: readonly DiscoveryRule[] = [],
): DiscoveryRule[] {
  return actions ? [{ actions }, ...rules] : [...rules];
}

/** The merged actions of every rule matching `device` (see the file comment for how they combine). */
export function actionsFor(rules: readonly DiscoveryRule[], device: FilterSubject): DeviceActions {
  const merged: DeviceActions = {
    group: null,
    queues: [],
    createDirectQueue: false,
    configProfileId: null,
    activate: false,
    location: null,
  };
  for (const rule of rules) {
    if (!filterMatches(rule.filter, device)) continue;
    const a = rule.actions;
    merged.group = a.addToGroup ?? merged.group;
    for (const queue of a.addToQueues ?? []) if (!merged.queues.includes(queue)) merged.queues.push(queue);
    merged.createDirectQueue ||= a.createDirectQueue === true;
    merged.configProfileId = a.configProfileId ?? merged.configProfileId;
    merged.activate ||= a.activate === true;
    merged.location = a.location ?? merged.location;
  }
  return merged;
}

/** The location an action sets: `%location%` (any case) is the device's own sysLocation. */
export function resolveLocation(action: string, sysLocation: string): string {
  return action.replace(/%location%/gi, sysLocation).slice(0, 255);
}

/** Every queue reference and configuration profile id the rules name, each once (checked before a run). */
export function referencesOf(rules: readonly DiscoveryRule[]): {
  queues: string[];
  configProfiles: string[];
} {
  const queues = new Set<string>();
  const configProfiles = new Set<string>();
  for (const { actions } of rules) {
    for (const queue of actions.addToQueues ?? []) queues.add(queue);
    if (actions.configProfileId) configProfiles.add(actions.configProfileId);
  }
  return { queues: [...queues], configProfiles: [...configProfiles] };
}
