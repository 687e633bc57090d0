/**
 * What a directory user may be created or changed with, as zod schemas shared by the REST API, the sync engine
 * and the service (which checks every caller). Unknown fields are refused, so a misspelt field is an error.
 */
import { z } from 'zod';
import { checkInput } from '@quire/common';

/** Usernames and aliases: no whitespace or control characters, no `*` at the start (system accounts). */
export const userNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s\p{Cc}]+$/u, 'must have no spaces or control characters')
  .refine((name) => !name.startsWith('*'), 'must not start with * (reserved for system accounts)');

/**
 * A card as given: its number as the reader outputs it (a plain string), or an object with the number and an
 * optional end of validity (a temporary card).
 */
export const cardInputSchema = z.union([
  z
    .string()
    .min(1)
    .max(128)
    .transform((number) => ({ number, validUntil: null })),
  z.strictObject({
    number: z.string().min(1).max(128),
    validUntil: z.coerce.date().nullable().optional(),
  }),
]);

/** A membership as given. */
export const membershipInputSchema = z.strictObject({
  groupId: z.uuid(),
  accounting: z.boolean().optional(),
  manager: z.boolean().optional(),
});

/** A delegate as given: a user by username, or a group by id. */
export const delegateInputSchema = z.union([
  z.strictObject({ user: z.string().min(1).max(128) }),
  z.strictObject({ groupId: z.uuid() }),
]);

/** A new user. */
export const newUserSchema = z.strictObject({
  username: userNameSchema,
  fullName: z.string().min(1).max(255),
  email: z.union([z.email(), z.literal('')]).optional(),
  personalNumber: z.string().min(1).max(64).nullable().optional(),
  phone: z.string().max(32).nullable().optional(),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as en or fr')
    .nullable()
    .optional(),
  notes: z.string().max(4000).optional(),
  aliases: z.array(userNameSchema).max(100).optional(),
  pin: z.string().regex(/^\d+$/, 'must be digits').max(16).nullable().optional(),
  cards: z.array(cardInputSchema).max(100).optional(),
  password: z.string().min(8).max(1024).nullable().optional(),
  groups: z.array(membershipInputSchema).max(1000).optional(),
  delegates: z.array(delegateInputSchema).max(1000).optional(),
  keepForReprint: z.boolean().optional(),
  state: z.enum(['active', 'disabled']).optional(),
});

/** A change to a user: any subset of the fields (lists replace the user's whole list). */
export const userPatchSchema = newUserSchema.partial();

export type NewUser = z.infer<typeof newUserSchema>;
export type UserPatch = z.infer<typeof userPatchSchema>;

/** `input` checked against `schema`; VALIDATION_FAILED naming each bad field. */
export function checkedUserInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  return checkInput(schema, input, 'User settings are invalid', '(user)');
}
