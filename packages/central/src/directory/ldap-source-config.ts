/**
 * The settings of an LDAP directory source, as one zod schema shared by the config file and
 * `POST /api/v1/directory/sources`. Every optional field has exactly one default, documented on the field (the
 * descriptions and defaults also come out of `z.toJSONSchema` for the API documentation). Unknown fields are
 * refused, so a misspelt setting is an error and not a silent no-op.
 */
import cron from 'node-cron';
import { FilterParser } from 'ldapts';
import { z } from 'zod';
import { checkInput } from '@quire/common';

/** How many server addresses one source may list (MyQ allows 5). */
export const MAX_LDAP_URLS = 5;

/** The filter used to find groups when none is configured: the group classes of OpenLDAP and AD. */
export const DEFAULT_GROUP_FILTER =
  '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))';

const ATTRIBUTE_NAME = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)(;[A-Za-z0-9-]+)*$/;
const DN_SHAPE = /^\s*[A-Za-z0-9.-]+\s*=\s*\S/;
const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function isLdapUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  const bare = url.pathname === '' || url.pathname === '/';
  return (
    (url.protocol === 'ldap:' || url.protocol === 'ldaps:') &&
    url.hostname !== '' &&
    bare &&
    !url.search &&
    !url.hash &&
    !url.username
  );
}

/** Why `filter` is not an RFC 4515 search filter, or null when it is one. */
export function ldapFilterProblem(filter: string): string | null {
  let depth = 0;
  for (const char of filter) {
    if (char === '(') depth++;
    if (char === ')' && --depth < 0) return 'has a ")" without its "("';
  }
  if (depth !== 0) return 'has a "(" without its ")"';
  try {
    FilterParser.parseString(filter);
    return null;
  } catch (err) {
    return `is not an LDAP filter: ${(err as Error).message}`;
  }
}

const filterSchema = z.string().superRefine((filter, ctx) => {
  const problem = ldapFilterProblem(filter);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const dnSchema = z.string().max(1024).regex(DN_SHAPE, 'must be a DN such as "ou=people,dc=example,dc=org"');

const attributeName = z
  .string()
  .regex(ATTRIBUTE_NAME, 'must be an LDAP attribute name such as "uid", "mail" or "carLicense"');

/** One attribute name, or several whose values are taken together (lists) or in turn (single values). */
const attributes = (doc: string) =>
  z
    .preprocess(
      (value) => (typeof value === 'string' ? [value] : value),
      z.array(attributeName).min(1).max(10),
    )
    .describe(doc);

const mappingSchema = z
  .strictObject({
    username: attributes('Login name; several attributes: the first one with a value wins.').default(['uid']),
    fullName: attributes('Full name; several attributes: the first one with a value wins.').default(['cn']),
    email: attributes('Email address; the first attribute with a value wins.').default(['mail']),
    aliases: attributes('Other login names: every value of every listed attribute.').optional(),
    pin: attributes('PINs in clear: every value of every listed attribute.').optional(),
    cards: attributes(
      'Card numbers, as the reader outputs them: every value of every listed attribute.',
    ).optional(),
    personalNumber: attributes('Personal number; the first attribute with a value wins.').optional(),
    phone: attributes('Phone number; the first attribute with a value wins.').optional(),
    language: attributes('Language code (`en`, `fr`); the first attribute with a value wins.').optional(),
  })
  .prefault({})
  .describe('Which LDAP attributes fill which user fields. Unset optional fields are not read.');

const groupsSchema = z
  .strictObject({
    mode: z
      .enum(['memberOf', 'ou', 'none'])
      .default('none')
      .describe(
        '`memberOf`: the groups listed in the user’s memberOf; `ou`: the OUs of the user’s DN; `none`: no groups.',
      ),
    baseDn: dnSchema
      .optional()
      .describe(
        'memberOf: only groups under this DN are used (required). ou: only OUs below this DN count (default: all).',
      ),
    tree: z
      .boolean()
      .default(true)
      .describe(
        'Keep the nesting as a tree (a user of C in B in A is in A > B > C); false: every group flat (C, B, A).',
      ),
    filter: filterSchema
      .default(DEFAULT_GROUP_FILTER)
      .describe('memberOf: which entries under baseDn are groups (LDAP filter).'),
  })
  .prefault({})
  .superRefine((groups, ctx) => {
    if (groups.mode === 'memberOf' && !groups.baseDn) {
      ctx.addIssue({ code: 'custom', path: ['baseDn'], message: 'is required when mode is "memberOf"' });
    }
  })
  .describe('Where users’ groups come from.');

const optionsSchema = z
  .strictObject({
    addNew: z.boolean().default(true).describe('Create users that are in the source but not yet in Quire.'),
    disableMissing: z
      .boolean()
      .default(false)
      .describe('Disable (never delete) users of this source that are no longer in it.'),
    lowercaseUsernames: z
      .boolean()
      .default(false)
      .describe('Lower-case usernames, so names differing only by case are one user.'),
    pairByPersonalNumber: z
      .boolean()
      .default(false)
      .describe('Match users by personal number instead of username, so a renamed user keeps the account.'),
  })
  .prefault({})
  .describe('What a sync may change.');

/** The LDAP source schema; parse with {@link parseLdapSourceConfig} to get VALIDATION_FAILED errors. */
export const ldapSourceConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(SOURCE_NAME, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit')
      .describe('Unique name; users of this source are tagged `ldap:NAME`.'),
    type: z.literal('ldap'),
    urls: z
      .array(z.string().refine(isLdapUrl, 'must be ldap://host[:port] or ldaps://host[:port]'))
      .min(1)
      .max(MAX_LDAP_URLS)
      .describe(`Servers, tried in order (failover); up to ${MAX_LDAP_URLS}.`),
    startTls: z
      .boolean()
      .default(false)
      .describe('Upgrade ldap:// connections with StartTLS before binding.'),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file of the CA that signed the servers’ certificates (default: the system CAs).'),
    connectTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(120)
      .default(5)
      .describe('How long to wait for each server before trying the next.'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(120)
      .describe('How long one LDAP operation (a bind, a page of results) may take.'),
    bindDn: dnSchema.describe('DN of the service account that reads the directory.'),
    bindPassword: z.string().min(1, 'must not be empty').describe('Password of the service account.'),
    baseDns: z.array(dnSchema).min(1).max(20).describe('Where to look for users (subtree of each).'),
    userFilter: filterSchema
      .default('(objectClass=person)')
      .describe('Which entries under the base DNs are users (LDAP filter).'),
    mapping: mappingSchema,
    groups: groupsSchema,
    options: optionsSchema,
    schedule: z
      .string()
      .refine((expression) => cron.validate(expression), 'must be a cron expression such as "0 3 * * *"')
      .optional()
      .describe('When to sync automatically (node-cron syntax); unset: only on demand.'),
  })
  .superRefine((config, ctx) => {
    if (config.startTls) {
      config.urls.forEach((url, index) => {
        if (url.startsWith('ldaps:'))
          ctx.addIssue({
            code: 'custom',
            path: ['urls', index],
            message: 'is already TLS (ldaps); drop startTls',
          });
      });
    }
  });

/** A validated LDAP source, every default filled in and every mapping an array of attribute names. */
export type LdapSourceConfig = z.output<typeof ldapSourceConfigSchema>;
/** An LDAP source as written in the config file or sent to the API (defaults may be left out). */
export type LdapSourceConfigInput = z.input<typeof ldapSourceConfigSchema>;

/**
 * Validate an LDAP source from the config file or the API and fill in its defaults. Throws VALIDATION_FAILED
 * whose message names each bad field (`urls.1: must be ldap://host[:port] ...`), with the same list in
 * `details.fields`. The bind password never appears in the error.
 */
export function parseLdapSourceConfig(input: unknown): LdapSourceConfig {
  const name = typeof input === 'object' && input !== null ? (input as { name?: unknown }).name : undefined;
  const which = typeof name === 'string' && SOURCE_NAME.test(name) ? `LDAP source "${name}"` : 'LDAP source';
  return checkInput(ldapSourceConfigSchema, input, `${which} is invalid`, '(source)');
}

/** `config` with the bind password masked, for API answers and logs. */
export function redactLdapSourceConfig(config: LdapSourceConfig): LdapSourceConfig {
  return { ...config, bindPassword: '********' };
}
