/**
 * What an SNMP profile may be created or changed with, as zod schemas shared by the REST API and the service.
 * The rules follow the protocol: v1/v2c take a community and no SNMPv3 settings; v3 takes a USM user and no
 * community; privacy needs authentication (RFC 3414 has no noAuthPriv level); and USM passphrases are at least
 * 8 characters (RFC 3414 section 11.2; agents such as Net-SNMP refuse shorter ones), so a profile that can never
 * work is refused when it is saved, not at the first poll.
 *
 * A change is merged into the stored profile and the result checked as a whole, so a PATCH that only switches
 * `privProtocol` keeps the stored keys, and one that switches version must bring what the new version needs.
 */
import { z } from 'zod';
import { checkedInput } from '../../queues/queue-input';
import { DEFAULT_SNMP_PORT } from '../snmp/snmp-settings';

/** The defaults of a new profile: the agent's port, 2 s per try, and one retry. */
export const SNMP_PROFILE_DEFAULTS = { port: DEFAULT_SNMP_PORT, timeoutMs: 2000, retries: 1 } as const;

/** The shortest USM passphrase RFC 3414 allows. */
export const MIN_USM_KEY_LENGTH = 8;

const v3FieldsSchema = z.strictObject({
  user: z.string().min(1).max(64),
  authProtocol: z.enum(['none', 'md5', 'sha', 'sha256', 'sha512']),
  authKey: z.string().max(255).optional(),
  privProtocol: z.enum(['none', 'des', 'aes', 'aes256']).optional(),
  privKey: z.string().max(255).optional(),
  context: z.string().max(64).optional(),
});

const profileFields = {
  name: z.string().trim().min(1).max(127),
  version: z.enum(['1', '2c', '3']),
  community: z.string().min(1).max(255).optional(),
  writeCommunity: z.string().min(1).max(255).nullable().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  timeoutMs: z.number().int().min(100).max(60_000).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  v3: v3FieldsSchema.optional(),
};

type ProfileShape = z.infer<z.ZodObject<typeof profileFields>>;
type Issue = { path: (string | number)[]; message: string };

function v3Issues(v3: NonNullable<ProfileShape['v3']>): Issue[] {
  const issues: Issue[] = [];
  const privProtocol = v3.privProtocol ?? 'none';
  const short = `must be at least ${MIN_USM_KEY_LENGTH} characters (RFC 3414)`;
  if (v3.authProtocol === 'none') {
    if (v3.authKey !== undefined)
      issues.push({ path: ['v3', 'authKey'], message: 'is only for an authProtocol' });
    if (privProtocol !== 'none') {
      issues.push({
        path: ['v3', 'privProtocol'],
        message: 'needs an authProtocol: SNMPv3 has no privacy without authentication',
      });
    }
  } else if ((v3.authKey ?? '').length < MIN_USM_KEY_LENGTH) {
    issues.push({ path: ['v3', 'authKey'], message: short });
  }
  if (privProtocol === 'none' && v3.privKey !== undefined) {
    issues.push({ path: ['v3', 'privKey'], message: 'is only for a privProtocol' });
  } else if (privProtocol !== 'none' && (v3.privKey ?? '').length < MIN_USM_KEY_LENGTH) {
    issues.push({ path: ['v3', 'privKey'], message: short });
  }
  return issues;
}

/** What is wrong with a whole profile's combination of settings. */
function versionIssues(profile: ProfileShape): Issue[] {
  if (profile.version === '3') {
    const issues: Issue[] = [];
    if (profile.community !== undefined)
      issues.push({ path: ['community'], message: 'is only for SNMP v1 and v2c' });
    if (profile.writeCommunity)
      issues.push({ path: ['writeCommunity'], message: 'is only for SNMP v1 and v2c' });
    if (!profile.v3)
      return [...issues, { path: ['v3'], message: 'is required for SNMP version 3 (user, protocols, keys)' }];
    return [...issues, ...v3Issues(profile.v3)];
  }
  const issues: Issue[] = [];
  if (profile.v3) {
    issues.push({
      path: ['v3'],
      message: `SNMPv3 settings do not apply to version ${profile.version}; remove them or use version "3"`,
    });
  }
  if (profile.community === undefined) {
    issues.push({ path: ['community'], message: `is required for SNMP version ${profile.version}` });
  }
  return issues;
}

/** A new SNMP profile. */
export const newSnmpProfileSchema = z.strictObject(profileFields).superRefine((profile, ctx) => {
  for (const issue of versionIssues(profile)) ctx.addIssue({ code: 'custom', ...issue });
});

/** A change: any field; `v3` fields are merged into the stored ones, and `v3: null` removes them. */
export const snmpProfilePatchSchema = z.strictObject({
  ...profileFields,
  name: profileFields.name.optional(),
  version: profileFields.version.optional(),
  v3: v3FieldsSchema.partial().nullable().optional(),
});

/** The settings of a new SNMP profile. */
export type NewSnmpProfile = z.infer<typeof newSnmpProfileSchema>;

/** A change to an SNMP profile. */
export type SnmpProfilePatch = z.infer<typeof snmpProfilePatchSchema>;

/** Check new-profile settings; VALIDATION_FAILED names each bad field. */
export function checkNewSnmpProfile(input: unknown): NewSnmpProfile {
  return checkedInput(newSnmpProfileSchema, input, 'SNMP profile');
}

/** Check a profile change on its own (the merged result is checked with checkNewSnmpProfile). */
export function checkSnmpProfilePatch(patch: unknown): SnmpProfilePatch {
  return checkedInput(snmpProfilePatchSchema, patch, 'SNMP profile');
}

function mergeV3(
  stored: NewSnmpProfile['v3'],
  patch: NonNullable<SnmpProfilePatch['v3']>,
): NonNullable<NewSnmpProfile['v3']> | Partial<NonNullable<NewSnmpProfile['v3']>> {
  const authProtocol = patch.authProtocol ?? stored?.authProtocol;
  const privProtocol = patch.privProtocol ?? stored?.privProtocol ?? 'none';
  return {
    ...stored,
    ...patch,
    authKey: patch.authKey ?? (authProtocol === 'none' ? undefined : stored?.authKey),
    privKey: patch.privKey ?? (privProtocol === 'none' ? undefined : stored?.privKey),
  };
}

/**
 * The stored profile with `patch` applied, to be checked as a new profile: switching to v3 drops the stored
 * communities, switching away from v3 drops the stored v3 settings, and keys survive a protocol change (a USM
 * passphrase does not depend on the protocol) unless the protocol becomes `none`.
 */
export function mergeSnmpProfile(stored: NewSnmpProfile, patch: SnmpProfilePatch): unknown {
  const version = patch.version ?? stored.version;
  const merged: Record<string, unknown> = { ...stored, ...patch, version };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  if (version === '3') {
    if (patch.community === undefined) delete merged.community;
    if (patch.writeCommunity === undefined) delete merged.writeCommunity;
    if (patch.v3 === null) delete merged.v3;
    else merged.v3 = mergeV3(stored.v3, patch.v3 ?? {});
  } else if (patch.v3 === undefined || patch.v3 === null) {
    delete merged.v3;
  }
  return merged;
}
