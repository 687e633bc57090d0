/**
 * The auth REST endpoints under /api/v1/auth: sign in for a bearer token, sign out, and who am I.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseBody } from '../http/parse-body';
import { bearerToken, requireAuth } from './auth.middleware';
import type { AuthService } from './auth.service';

const loginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** A router with `POST /api/v1/auth/login`, `POST /api/v1/auth/logout` and `GET /api/v1/auth/me`. */
export function authRouter(auth: AuthService): Router {
  const router = Router();
  const authenticated = requireAuth(auth);

  router.post('/api/v1/auth/login', async (req: Request, res: Response) => {
    const { username, password } = parseBody(loginBody, req.body);
    const remoteAddr = req.ip ?? req.socket.remoteAddress ?? '';
    const result = await auth.login(username, password, { remoteAddr, requestId: req.requestId });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token: result.token, expiresAt: result.expiresAt.toISOString() });
  });

  router.post('/api/v1/auth/logout', authenticated, async (req: Request, res: Response) => {
    // requireAuth accepted this request's token, so it is present; revoke exactly that one.
    const token = bearerToken(req);
    if (token) await auth.logout(token);
    res.status(204).end();
  });

  router.get('/api/v1/auth/me', authenticated, (req: Request, res: Response) => {
    res.json(req.principal);
  });

  return router;
}
