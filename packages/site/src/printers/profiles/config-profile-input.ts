/**
 * What a printer configuration profile may be created or changed with (zod, shared by REST and the service).
 * Unknown fields are refused, so a misspelt setting is an error rather than a silent no-op.
 */
import { z } from 'zod';
import { checkedInput } from '../../queues/queue-input';

const id = z.string().min(1).max(36);

/** A new configuration profile: only the name is required. */
export const newConfigProfileSchema = z.strictObject({
  name: z.string().trim().min(1).max(127),
  /** null or absent: the default SNMP profile. */
  snmpProfileId: id.nullable().optional(),
  priceListId: id.nullable().optional(),
  adminUser: z.string().min(1).max(128).nullable().optional(),
  adminPassword: z.string().min(1).max(255).nullable().optional(),
  faxModule: z.boolean().optional(),
});

/** A change to some settings. */
export const configProfilePatchSchema = newConfigProfileSchema.partial();

/** The settings of a new configuration profile. */
export type NewConfigProfile = z.infer<typeof newConfigProfileSchema>;

/** A change to a configuration profile. */
export type ConfigProfilePatch = z.infer<typeof configProfilePatchSchema>;

/** Check new-profile settings; VALIDATION_FAILED names each bad field. */
export function checkNewConfigProfile(input: unknown): NewConfigProfile {
  return checkedInput(newConfigProfileSchema, input, 'Configuration profile');
}

/** Check a profile change; VALIDATION_FAILED names each bad field. */
export function checkConfigProfilePatch(patch: unknown): ConfigProfilePatch {
  return checkedInput(configProfilePatchSchema, patch, 'Configuration profile');
}
