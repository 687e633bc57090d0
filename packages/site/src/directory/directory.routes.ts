/**
 * REST door to the site's directory cache: `PUT /api/v1/directory/users/{username}`, where an admin stores a
 * user with PIN, card, password, groups, policy and delegates (PIN, card and password hashed before anything is
 * stored). On a federated site central fills the cache; this is for standalone sites. Admin-only and audited.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  auditedWrite,
  describeError,
  ErrorCode,
  parseBody,
  QuireError,
  requireAdmin,
  requireAuth,
  type AuthService,
  isUniqueViolation,
} from '@quire/common';
import { type DirectoryService } from './directory.service';

/** What the directory-cache routes need. */
export interface DirectoryRouterDeps {
  directory: DirectoryService;
  auth: AuthService;
  dataSource: DataSource;
}

const usernameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s/]+$/, 'must have no spaces or slashes');

const directoryUserSchema = z.strictObject({
  fullName: z.string().max(255).optional(),
  email: z.string().max(255).optional(),
  pin: z.string().min(4).max(32).regex(/^\d+$/, 'must be digits').nullable().optional(),
  card: z.string().min(1).max(128).nullable().optional(),
  password: z.string().min(8).max(1024).nullable().optional(),
  groups: z.array(z.string().min(1).max(128)).max(500).optional(),
  keepForReprint: z.boolean().optional(),
  enabled: z.boolean().optional(),
  delegates: z.array(z.string().min(1).max(134)).max(500).optional(),
});

/** The directory-cache router. */
export function directoryRouter(deps: DirectoryRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/directory', requireAuth(deps.auth), requireAdmin);

  router.put('/api/v1/directory/users/:username', async (req, res) => {
    const body = parseBody(directoryUserSchema, req.body);
    const username = parseBody(usernameSchema, String(req.params.username));
    const user = await auditedWrite(
      req,
      {
        action: 'directory.user.save',
        targetType: 'directory-user',
        targetId: username,
        details: { fields: Object.keys(body) },
      },
      deps.dataSource,
      (manager) =>
        deps.directory.saveUser({ ...body, username }, manager).catch((err: unknown) => {
          if (!isUniqueViolation(err)) throw err;
          throw new QuireError(ErrorCode.Conflict, 'This PIN or card already belongs to another user', {
            details: { field: /card/.test(describeError(err)) ? 'card' : 'pin' },
          });
        }),
    );
    res.json({
      username: user.username,
      fullName: user.fullName,
      email: user.email,
      hasPin: user.pinKey !== null,
      hasCard: Boolean(body.card),
      hasPassword: user.passwordHash !== null,
      groups: user.groups,
      keepForReprint: user.keepForReprint,
      enabled: user.enabled,
    });
  });

  return router;
}
