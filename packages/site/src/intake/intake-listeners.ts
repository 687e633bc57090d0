/**
 * Starts and stops every print-intake front-end of a site from the configuration: IPP (always), IPPS (when
 * `ipp.ippsPort` is set), LPD (unless `lpd.port` is 0), and the raw socket ports, which follow the queues' settings
 * and are re-applied whenever a queue changes. Failing to bind IPP, IPPS or LPD stops the start-up with the port
 * in the message; a raw port that cannot be bound is only reported, since it is one queue's setting.
 */
import path from 'node:path';
import { type Logger, type QuireConfig, type ReadinessCheck, type Registry } from '@quire/common';
import { type JobIntake } from './intake-port';
import { IppListener, loadIppTlsCredentials } from './ipp';
import { LpdListener } from './lpd';
import { RawPortManager } from './raw';
import { type QueueService } from '../queues';

export interface IntakeListenersOptions {
  config: QuireConfig;
  logger: Logger;
  intake: JobIntake;
  queues: QueueService;
  metrics: Registry;
  version: string;
}

export interface IntakeListeners {
  ports: { ipp: number; ipps: number | null; lpd: number | null };
  readinessCheck: ReadinessCheck;
  stop(): Promise<void>;
}

async function ippsCredentials(config: QuireConfig, logger: Logger) {
  if (!config.ipp.ippsPort) return undefined;
  const tls = await loadIppTlsCredentials({
    certFile: config.ipp.tlsCertFile || undefined,
    keyFile: config.ipp.tlsKeyFile || undefined,
    dataDir: config.data.dir,
    logger,
  });
  return { certPem: tls.certPem, keyPem: tls.keyPem, port: config.ipp.ippsPort };
}

/** Start the listeners; on a bind failure, stop those already started and rethrow. */
export async function startIntakeListeners(options: IntakeListenersOptions): Promise<IntakeListeners> {
  const { config, logger, intake, queues, metrics } = options;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const ipp = new IppListener({
      intake,
      logger: logger.child({ component: 'ipp' }),
      host: config.ipp.host,
      port: config.ipp.port,
      tls: await ippsCredentials(config, logger),
      serverName: config.site.name,
      metrics,
      version: options.version,
    });
    const ippPort = await ipp.start();
    stops.push(() => ipp.stop());

    let lpdPort: number | null = null;
    if (config.lpd.port !== 0) {
      const lpd = new LpdListener({
        intake,
        logger: logger.child({ component: 'lpd' }),
        host: config.lpd.host,
        port: config.lpd.port,
        timeoutSeconds: config.lpd.timeoutSeconds,
        metrics,
        spoolAheadDir: path.join(config.spool.dir, 'lpd-ahead'),
        maxDataFileBytes: config.jobs.maxSizeMb * 1024 * 1024,
      });
      lpdPort = await lpd.start();
      stops.push(() => lpd.stop());
    }

    const raw = new RawPortManager({
      intake,
      logger: logger.child({ component: 'raw' }),
      host: config.raw.host,
      idleTimeoutSeconds: config.raw.idleTimeoutSeconds,
      metrics,
    });
    const applyRawPorts = () =>
      queues
        .rawPortMappings()
        .then((mappings) => raw.apply(mappings))
        .catch((err: unknown) => logger.error('could not apply raw port settings', { error: String(err) }));
    await applyRawPorts();
    queues.on('changed', applyRawPorts);
    stops.push(async () => {
      queues.off('changed', applyRawPorts);
      await raw.stop();
    });

    const ports = { ipp: ippPort, ipps: ipp.ports.ipps ?? null, lpd: lpdPort };
    logger.info('print intake listening', {
      ...ports,
      raw: raw
        .status()
        .filter((s) => s.listening)
        .map((s) => s.port),
    });
    return {
      ports,
      readinessCheck: {
        name: 'intake',
        // Reported, never failing: a raw port one queue asks for must not take the whole site out of rotation.
        async check() {
          const failed = raw.status().filter((s) => !s.listening);
          const rawText = failed.length
            ? `; raw ports not listening: ${failed.map((s) => `${s.port} (${s.error})`).join(', ')}`
            : '';
          return {
            ok: true,
            detail: `ipp ${ports.ipp}, ipps ${ports.ipps ?? 'off'}, lpd ${ports.lpd ?? 'off'}${rawText}`,
          };
        },
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
