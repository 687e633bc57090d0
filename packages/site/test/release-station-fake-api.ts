/**
 * An in-memory implementation of the terminal REST API contract (`/api/v1/terminal`), for the browser test
 * of the web release station page: one printer, one user with a PIN, a card and a password, a locked PIN, and
 * a job list the test arranges. Errors are QuireErrors, so the site's own error handler writes their bodies.
 */
import { Router } from 'express';
import { ErrorCode, QuireError } from '@quire/common';

export const PRINTER = { id: 'P1', name: 'Floor 2 MFP', location: 'Paris office, 2nd floor' };
export const ALICE = {
  username: 'alice',
  fullName: 'Alice Martin',
  pin: '1234',
  card: 'C0FFEE42',
  password: 'pw-alice',
};
export const LOCKED_PIN = '9999';
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

/** A job as the terminal API lists it, with its state for the fake's bookkeeping. */
export type FakeJob = Record<string, unknown> & {
  id: string;
  name: string;
  state: string;
  favourite: boolean;
};

/** A ready job of Alice's, 12 pages (3 colour), 2 copies, EUR 1.20, sent five minutes ago; `extra` overrides. */
export function job(id: string, name: string, extra: Partial<FakeJob> = {}): FakeJob {
  return {
    id,
    number: Number(id.replace(/\D/g, '')),
    name,
    owner: 'alice',
    ownerFullName: ALICE.fullName,
    delegated: false,
    queueName: 'secure',
    submittedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    pages: 12,
    colorPages: 3,
    monoPages: 9,
    copies: 2,
    sheets: 12,
    duplex: true,
    paper: 'iso_a4_210x297mm',
    price: 1.2,
    currency: 'EUR',
    favourite: false,
    state: 'ready',
    ...extra,
  };
}

/** The terminal API of the contract, in memory: enough to drive every state of the page. */
export class FakeTerminalApi {
  jobs: FakeJob[] = [];
  sessions = new Map<string, string>();
  logins: Array<Record<string, unknown>> = [];
  releaseFailures = new Set<string>();
  releasedOnLogin = 0;

  reset(jobs: FakeJob[]): void {
    this.jobs = jobs;
    this.sessions.clear();
    this.logins = [];
    this.releaseFailures.clear();
    this.releasedOnLogin = 0;
  }

  find(id: string): FakeJob {
    const found = this.jobs.find((each) => each.id === id && each.state !== 'deleted');
    if (!found) throw new QuireError(ErrorCode.JobNotFound, `No job ${id}`);
    return found;
  }

  release(id: string): FakeJob {
    const found = this.find(id);
    if (found.state !== 'ready')
      throw new QuireError(ErrorCode.JobStateConflict, `Job ${id} is ${found.state}`);
    if (this.releaseFailures.has(id)) throw new QuireError(ErrorCode.ReleaseFailed, 'Printer P1 is offline');
    found.state = 'printing';
    return found;
  }

  router(): Router {
    const router = Router();
    const base = '/api/v1/terminal';
    router.get(`${base}/printers/:id`, (req, res) => {
      if (req.params.id !== PRINTER.id)
        throw new QuireError(ErrorCode.PrinterNotFound, `No printer ${req.params.id}`);
      res.json(PRINTER);
    });
    router.post(`${base}/sessions`, (req, res) => {
      const body = req.body as Record<string, string>;
      this.logins.push(body);
      if (body.pin === LOCKED_PIN) throw new QuireError(ErrorCode.AuthAccountLocked, 'Locked until 10:15');
      const ok =
        body.pin === ALICE.pin ||
        body.card === ALICE.card ||
        (body.username === ALICE.username && body.password === ALICE.password);
      if (!ok || body.printerId !== PRINTER.id) {
        throw new QuireError(ErrorCode.AuthInvalidCredentials, 'Unknown PIN, card or password');
      }
      const token = `token-${this.logins.length}`;
      this.sessions.set(token, ALICE.username);
      for (const each of this.releasedOnLogin > 0 ? this.jobs : []) each.state = 'printing';
      res.status(201).json({
        token,
        user: { username: ALICE.username, fullName: ALICE.fullName },
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        releasedOnLogin: this.releasedOnLogin,
      });
    });
    router.use(base, (req, _res, next) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !this.sessions.has(token)) {
        throw new QuireError(ErrorCode.TerminalSessionInvalid, 'Session expired or unknown');
      }
      next();
    });
    router.get(`${base}/jobs`, (_req, res) => {
      res.json({ jobs: this.jobs.filter((each) => each.state === 'ready') });
    });
    router.post(`${base}/jobs/release-all`, (_req, res) => {
      const released: string[] = [];
      const failed: Array<{ id: string; message: string }> = [];
      for (const each of this.jobs.filter((candidate) => candidate.state === 'ready')) {
        try {
          released.push(this.release(each.id).id);
        } catch (err) {
          failed.push({ id: each.id, message: (err as Error).message });
        }
      }
      res.status(202).json({ released, failed });
    });
    router.post(`${base}/jobs/:id/release`, (req, res) => {
      res.status(202).json({ job: this.release(req.params.id) });
    });
    router.delete(`${base}/jobs/:id`, (req, res) => {
      this.find(req.params.id).state = 'deleted';
      res.status(204).end();
    });
    router.put(`${base}/jobs/:id/favourite`, (req, res) => {
      res.json({ job: Object.assign(this.find(req.params.id), { favourite: true }) });
    });
    router.delete(`${base}/jobs/:id/favourite`, (req, res) => {
      res.json({ job: Object.assign(this.find(req.params.id), { favourite: false }) });
    });
    router.delete(`${base}/sessions/current`, (req, res) => {
      this.sessions.delete(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      res.status(204).end();
    });
    return router;
  }
}

/** Three jobs: a plain one, one delegated by Bob with no price, and a one-page colour poster from 3 days ago. */
export function standardJobs(): FakeJob[] {
  return [
    job('j1', 'Quarterly report.pdf'),
    job('j2', 'Minutes.docx', { delegated: true, owner: 'bob', ownerFullName: 'Bob Durand', price: null }),
    job('j3', 'Poster A3', {
      pages: 1,
      colorPages: 1,
      monoPages: 0,
      copies: 1,
      price: 0.5,
      submittedAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    }),
  ];
}
