/**
 * The shape a directory batch from central must have before the sink writes any of it. Central is trusted, but
 * a batch from a newer or broken central should end in a clear refusal (central then ends the session and the
 * site keeps the version it holds), not in a half-understood row or a database error about a column's length.
 * Lengths are those of the cache's columns.
 */
import { z } from 'zod';
import { ErrorCode, QuireError } from '@quire/common';
import type { DirectoryChange } from '@quire/shared-proto';

const id = z.string().min(1).max(36);
const key = z.string().min(1).max(64);
const names = z.array(z.string().max(255));

const userRecord = z.object({
  id,
  username: z.string().min(1).max(128),
  aliases: z.array(z.string().max(128)),
  fullName: z.string().max(255),
  email: z.string().max(255),
  language: z.string().max(8).nullable(),
  pinKey: key.nullable(),
  cards: z.array(z.object({ key, validUntil: z.iso.datetime({ offset: true }).nullable() })),
  groups: z.array(id),
  delegates: z.array(z.object({ kind: z.enum(['user', 'group']), id })),
  keepForReprint: z.boolean(),
  state: z.enum(['active', 'disabled']),
  auth: z.string().min(1).max(80),
  rights: names,
});

const groupRecord = z.object({
  id,
  name: z.string().min(1).max(128),
  parentId: id.nullable(),
  rights: names,
});

const change = z.union([
  z.object({ kind: z.literal('user'), id, op: z.literal('upsert'), user: userRecord }),
  z.object({ kind: z.literal('group'), id, op: z.literal('upsert'), group: groupRecord }),
  z.object({ kind: z.enum(['user', 'group']), id, op: z.literal('delete') }),
]);

/** The changes of a batch, checked; VALIDATION_FAILED names the first change that is malformed. */
export function checkedDirectoryChanges(changes: unknown[]): DirectoryChange[] {
  return changes.map((entry, index) => {
    const parsed = change.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new QuireError(
        ErrorCode.ValidationFailed,
        `directory change ${index} is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const value = parsed.data as DirectoryChange;
    const inner = 'user' in value ? value.user.id : 'group' in value ? value.group.id : value.id;
    if (inner !== value.id) {
      throw new QuireError(ErrorCode.ValidationFailed, `directory change ${index} names two ids`);
    }
    return value;
  });
}
