/**
 * The set of raw socket print ports. Raw ports are queue settings, so the site calls `apply` with the current
 * port-to-queue mappings at start-up and again whenever queues change; the manager opens and closes listeners
 * until exactly those ports listen.
 *
 * A port that cannot be bound (in use, privileged) or an invalid mapping is logged and reported by `status()`,
 * never thrown: one bad queue setting must not stop the site from printing through everything else. A failed
 * port is retried by the next `apply`.
 */
import { describeError, type Logger } from '@quire/common';
import { Counter, type Registry } from 'prom-client';
import { type JobIntake } from '../intake-port';
import { RawPortListener } from './raw-listener';

/** One raw port and the queue its jobs go to. */
export interface RawPortMapping {
  port: number;
  queueName: string;
}

/** What became of one requested mapping. */
export interface RawPortStatus {
  port: number;
  queueName: string;
  listening: boolean;
  /** Why the port is not listening, when it is not. */
  error: string | null;
}

/** Options of {@link RawPortManager}. */
export interface RawPortManagerOptions {
  intake: JobIntake;
  logger: Logger;
  host: string;
  idleTimeoutSeconds: number;
  metrics?: Registry;
}

/** Opens and closes raw port listeners to match the queues' settings. */
export class RawPortManager {
  private readonly listeners = new Map<number, RawPortListener>();
  private statuses: RawPortStatus[] = [];
  private applying: Promise<void> = Promise.resolve();
  private readonly jobsCounter: Counter<'result'> | undefined;

  constructor(private readonly options: RawPortManagerOptions) {
    this.jobsCounter = options.metrics ? jobsCounterOn(options.metrics) : undefined;
  }

  /**
   * Make exactly these ports listen, each for its queue. Calls are serialised, so overlapping calls (two quick
   * queue edits) end in the state of the last one.
   */
  apply(mappings: readonly RawPortMapping[]): Promise<void> {
    const run = this.applying.then(() => this.applyNow(mappings));
    this.applying = run.catch(() => undefined);
    return run;
  }

  /** Every mapping of the last `apply`, with whether its port listens and, if not, why. */
  status(): RawPortStatus[] {
    return this.statuses.map((status) => ({ ...status }));
  }

  /** Close every raw port; jobs still arriving are discarded. */
  stop(): Promise<void> {
    return this.apply([]);
  }

  private async applyNow(mappings: readonly RawPortMapping[]): Promise<void> {
    const { wanted, rejected } = this.validate(mappings);
    for (const [port, listener] of this.listeners) {
      if (wanted.has(port)) continue;
      await listener.stop();
      this.listeners.delete(port);
      this.options.logger.info('raw port closed', { port, queue: listener.queueName });
    }
    const statuses: RawPortStatus[] = [];
    for (const [port, queueName] of wanted) statuses.push(await this.open(port, queueName));
    this.statuses = [...statuses, ...rejected];
  }

  private validate(mappings: readonly RawPortMapping[]): {
    wanted: Map<number, string>;
    rejected: RawPortStatus[];
  } {
    const wanted = new Map<number, string>();
    const rejected: RawPortStatus[] = [];
    for (const { port, queueName } of mappings) {
      let error: string | null = null;
      if (!Number.isInteger(port) || port < 1 || port > 65535) error = `invalid port ${port}`;
      else if (typeof queueName !== 'string' || queueName.length === 0) error = 'no queue name';
      else if (wanted.has(port)) error = `port ${port} is already mapped to queue ${wanted.get(port)}`;
      if (error === null) {
        wanted.set(port, queueName);
      } else {
        this.options.logger.error('raw port mapping ignored', { port, queue: queueName, error });
        rejected.push({ port, queueName, listening: false, error });
      }
    }
    return { wanted, rejected };
  }

  private async open(port: number, queueName: string): Promise<RawPortStatus> {
    const existing = this.listeners.get(port);
    if (existing !== undefined) {
      if (existing.queueName !== queueName) {
        this.options.logger.info('raw port retargeted', { port, from: existing.queueName, queue: queueName });
        existing.queueName = queueName;
      }
      return { port, queueName, listening: true, error: null };
    }
    const listener = new RawPortListener({
      intake: this.options.intake,
      logger: this.options.logger,
      host: this.options.host,
      port,
      queueName,
      idleTimeoutSeconds: this.options.idleTimeoutSeconds,
      jobsCounter: this.jobsCounter,
    });
    try {
      await listener.start();
    } catch (err) {
      const error = `cannot listen on ${this.options.host}:${port}: ${describeError(err)}`;
      this.options.logger.error('raw port not opened', { port, queue: queueName, error });
      return { port, queueName, listening: false, error };
    }
    this.listeners.set(port, listener);
    this.options.logger.info('raw port listening', { host: this.options.host, port, queue: queueName });
    return { port, queueName, listening: true, error: null };
  }
}

function jobsCounterOn(registry: Registry): Counter<'result'> {
  const existing = registry.getSingleMetric('quire_raw_jobs_total') as Counter<'result'> | undefined;
  return (
    existing ??
    new Counter({
      name: 'quire_raw_jobs_total',
      help: 'Raw socket connections, by result: accepted, refused (queue offline or unknown), failed, empty.',
      labelNames: ['result'],
      registers: [registry],
    })
  );
}
