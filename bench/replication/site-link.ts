/**
 * The site side of `bench/replication`: a site's replication outbox on its own SQLite database (migrated as the
 * site server migrates it), preloaded through the outbox's own write path, and the real CentralLink with the
 * OutboxSender. A site is enrolled once with a link that has no participants, so the timed link starts from a
 * stored credential, as a site does after its first start.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createSilentLogger, createUnitWriter, openDatabase, type UnitWriter } from '@quire/common';
import { CentralLink, type LinkParticipant } from '@quire/site/dist/src/federation';
import { OutboxSender } from '@quire/site/dist/src/federation/outbox-sender';
import { ReplicationOutbox } from '@quire/site/dist/src/federation/replication-outbox';
import { jobCoreEntities, jobCoreMigrations } from '@quire/site/dist/src/job-core';
import { Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import { benchDraft } from './records';

/** The OutboxSender's defaults (outbox-sender.ts), given explicitly so the anchor sends the same batches. */
export const SENDER_BATCH = 500;
export const SENDER_WINDOW = 8;
/** Records per write unit while preloading, and units in flight. */
const PRELOAD_UNIT = 1000;
const PRELOAD_IN_FLIGHT = 4;
const CONNECT_TIMEOUT_MS = 30_000;

/** Resolve once `condition` holds, polling; rejects after `timeoutMs` naming `what`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A CentralLink as the bench uses it: plaintext on loopback, quick reconnects, long heartbeat timeout. */
export function benchLink(options: {
  port: number;
  dataDir: string;
  name: string;
  token?: string;
  participants?: LinkParticipant[];
}): CentralLink {
  return new CentralLink({
    address: `127.0.0.1:${options.port}`,
    tls: { enabled: false },
    enrolmentToken: options.token ?? '',
    siteName: options.name,
    siteVersion: 'bench',
    dataDir: options.dataDir,
    heartbeatSeconds: 5,
    heartbeatTimeoutSeconds: 60,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    logger: createSilentLogger(),
    metrics: new Registry(),
    participants: options.participants ?? [],
  });
}

/** Enrol with `token` (a link with no participants, connected once, then stopped). */
export async function enrolSite(port: number, dataDir: string, name: string, token: string): Promise<void> {
  const link = benchLink({ port, dataDir, name, token });
  link.start();
  try {
    await until(() => link.status().state === 'connected', CONNECT_TIMEOUT_MS, `enrolment of ${name}`);
  } finally {
    await link.stop();
  }
}

/** A site with only its outbox (and the tables around it), for the throughput and backlog phases. */
export class OutboxSite {
  readonly outbox: ReplicationOutbox;
  private readonly writer: UnitWriter;
  private link: CentralLink | null = null;

  private constructor(
    readonly dataSource: DataSource,
    readonly dataDir: string,
  ) {
    this.writer = createUnitWriter(dataSource);
    this.outbox = new ReplicationOutbox({ dataSource, writer: this.writer });
  }

  /** A fresh site database in `dir`. */
  static async open(dir: string): Promise<OutboxSite> {
    mkdirSync(dir, { recursive: true });
    const { dataSource } = await openDatabase({
      url: `sqlite:${path.join(dir, 'site.db')}`,
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    });
    return new OutboxSite(dataSource, path.join(dir, 'data'));
  }

  /**
   * Queue records `0 .. count - 1` of the bench stream through the outbox's own statements (ReplicationOutbox.plan
   * on the site's unit writer), so sequence numbers are gap-free exactly as the job observer leaves them.
   */
  async preload(count: number): Promise<void> {
    const inFlight = new Set<Promise<unknown>>();
    for (let start = 0; start < count; start += PRELOAD_UNIT) {
      const drafts = [];
      for (let index = start; index < Math.min(count, start + PRELOAD_UNIT); index += 1) {
        drafts.push(benchDraft(index));
      }
      const unit = this.writer.submit({ statements: this.outbox.plan(drafts) }).then((outcome) => {
        if (!outcome.applied) throw new Error('a preload unit was not applied');
      });
      inFlight.add(unit);
      void unit.finally(() => inFlight.delete(unit)).catch(() => undefined);
      if (inFlight.size >= PRELOAD_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const figures = await this.outbox.figures();
    if (figures.lastSeq !== count)
      throw new Error(`preloaded up to seq ${figures.lastSeq}, expected ${count}`);
  }

  /** Start the site's link with the OutboxSender (the credential is already stored). */
  startLink(port: number): CentralLink {
    const sender = new OutboxSender({
      outbox: this.outbox,
      logger: createSilentLogger(),
      batchSize: SENDER_BATCH,
      window: SENDER_WINDOW,
    });
    this.link = benchLink({ port, dataDir: this.dataDir, name: 'bench-site', participants: [sender] });
    this.link.start();
    return this.link;
  }

  /** Records still in the outbox (pruned once acknowledged). */
  async remaining(): Promise<number> {
    return Number((await this.dataSource.query('SELECT COUNT(*) AS n FROM federation_outbox'))[0].n);
  }

  async close(): Promise<void> {
    await this.link?.stop();
    await this.writer.close();
    await this.dataSource.destroy();
  }
}
