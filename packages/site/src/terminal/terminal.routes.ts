/**
 * The terminal API: `/api/v1/terminal/...`, for embedded terminals and the web release station. Sessions are
 * opened with a PIN, a card or a username and password at one printer, and carry their own bearer tokens
 * (`Authorization: Bearer ...`), separate from console sign-in: a terminal session can only list and release
 * its user's jobs at its printer.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { ErrorCode, parseBody, QuireError } from '@quire/common';
import { type JobEntity } from '../jobs/job.entity';
import {
  type TerminalAuthService,
  type TerminalCredential,
  type TerminalSession,
} from './terminal-auth.service';
import { type TerminalJob, type TerminalService } from './terminal.service';

/** What the terminal routes need. */
export interface TerminalRouterDeps {
  auth: TerminalAuthService;
  terminal: TerminalService;
  /** Release the user's own ready jobs as soon as they sign in (`terminal.printAllOnLogin`). */
  printAllOnLogin: boolean;
}

const credentialSchema = z.union([
  z.strictObject({ printerId: z.string().min(1).max(64), pin: z.string().min(1).max(64) }),
  z.strictObject({ printerId: z.string().min(1).max(64), card: z.string().min(1).max(128) }),
  z.strictObject({
    printerId: z.string().min(1).max(64),
    username: z.string().min(1).max(128),
    password: z.string().min(1).max(1024),
  }),
]);

/** The JSON view of a job at a terminal. Price comes with accounting; until then it is null (unknown). */
export function terminalJobJson(entry: TerminalJob) {
  const { job } = entry;
  return {
    id: job.id,
    number: job.number,
    name: job.name,
    owner: job.owner,
    ownerFullName: entry.ownerFullName,
    delegated: entry.delegated,
    queueName: job.queueName,
    submittedAt: job.submittedAt.toISOString(),
    pages: job.pages,
    colorPages: job.colorPages,
    monoPages: job.monoPages,
    copies: job.copies,
    sheets: job.sheets,
    duplex: job.duplex,
    paper: job.paper,
    price: null,
    currency: null,
    favourite: job.favourite,
    state: job.state,
  };
}

function jobJson(job: JobEntity) {
  return terminalJobJson({ job, ownerFullName: job.owner, delegated: false });
}

function sessionOf(res: Response): TerminalSession {
  return res.locals.terminalSession as TerminalSession;
}

function bearer(req: Request): string {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (!match) {
    throw new QuireError(
      ErrorCode.TerminalSessionInvalid,
      'Sign in at the terminal first (no terminal session token)',
    );
  }
  return match[1];
}

/** The `/api/v1/terminal` router. */
export function terminalRouter(deps: TerminalRouterDeps): Router {
  const router = Router();

  router.get('/api/v1/terminal/printers/:id', async (req, res) => {
    const printer = await deps.auth.printer(String(req.params.id));
    res.json({ id: printer.id, name: printer.name, location: printer.location });
  });

  router.post('/api/v1/terminal/sessions', async (req, res) => {
    const { printerId, ...credential } = parseBody(credentialSchema, req.body);
    const origin = { remoteAddr: req.ip, requestId: req.requestId };
    const login = await deps.auth.login(printerId, credential as TerminalCredential, origin);
    const released = deps.printAllOnLogin
      ? (await deps.terminal.releaseAll(login.session, true)).released
      : [];
    res.status(201).json({
      token: login.token,
      user: { username: login.session.user.username, fullName: login.session.user.fullName },
      expiresAt: login.expiresAt.toISOString(),
      releasedOnLogin: released.length,
    });
  });

  const session = async (req: Request, res: Response, next: NextFunction) => {
    res.locals.terminalSession = await deps.auth.authenticate(bearer(req));
    next();
  };
  router.use(['/api/v1/terminal/jobs', '/api/v1/terminal/sessions/current'], session);

  router.get('/api/v1/terminal/jobs', async (_req, res) => {
    res.json({ jobs: (await deps.terminal.listJobs(sessionOf(res))).map(terminalJobJson) });
  });

  router.post('/api/v1/terminal/jobs/release-all', async (_req, res) => {
    const outcome = await deps.terminal.releaseAll(sessionOf(res));
    res.status(202).json({
      released: outcome.released.map((job) => job.id),
      failed: outcome.failed.map(({ job, error }) => ({
        id: job.id,
        code: error.code,
        message: error.message,
      })),
    });
  });

  router.post('/api/v1/terminal/jobs/:id/release', async (req, res) => {
    res
      .status(202)
      .json({ job: jobJson(await deps.terminal.release(sessionOf(res), String(req.params.id))) });
  });

  router.delete('/api/v1/terminal/jobs/:id', async (req, res) => {
    await deps.terminal.remove(sessionOf(res), String(req.params.id));
    res.status(204).end();
  });

  router.put('/api/v1/terminal/jobs/:id/favourite', async (req, res) => {
    res.json({ job: jobJson(await deps.terminal.setFavourite(sessionOf(res), String(req.params.id), true)) });
  });

  router.delete('/api/v1/terminal/jobs/:id/favourite', async (req, res) => {
    res.json({
      job: jobJson(await deps.terminal.setFavourite(sessionOf(res), String(req.params.id), false)),
    });
  });

  router.delete('/api/v1/terminal/sessions/current', async (_req, res) => {
    await deps.auth.logout(sessionOf(res));
    res.status(204).end();
  });

  return router;
}
