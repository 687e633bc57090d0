/**
 * Entry point of the benchmark's central process (forked by child-protocol.ts with its ChildConfig as the one
 * argument): starts the service the mode names, tells the parent its port, and answers the parent's commands
 * until told to stop. It exits when the parent goes away, so it can never outlive the benchmark.
 */
import { type ChildConfig, serveParent } from './child-protocol';
import { startDirectoryCentral } from './central-directory';
import { startBareUpServer, startUpCentral, type ChildService } from './central-up';

function start(config: ChildConfig): Promise<ChildService> {
  switch (config.mode) {
    case 'central':
      return startUpCentral(config);
    case 'bare-up':
      return startBareUpServer(config);
    case 'directory':
      return startDirectoryCentral(config);
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
  process.on('disconnect', () => process.exit(2));
  const service = await start(config);
  serveParent(service.port, service.handlers, () => service.close());
}

main().catch((err: unknown) => {
  const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.send?.({ id: 0, ok: false, error }, () => process.exit(1));
});
