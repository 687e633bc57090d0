/**
 * `quire-central federation ca [--config FILE]`: print central's federation CA certificate (PEM) on standard
 * output, for the operator to give to sites as `central.caFile`. It makes the CA when central has not started
 * yet, exactly as the first start would, so sites can be prepared before central runs; run it as the user
 * central runs as, or the files it makes are not readable by central. Notes go to standard error, so
 * `quire-central federation ca > central-ca.pem` writes the certificate alone.
 */
import { type Command } from 'commander';
import { createSilentLogger, EXIT_CONFIG_INVALID, printToTerminal, runCommand } from '@quire/common';
import { FederationCa } from './federation-ca';

/** Add `federation ca` to the program. */
export function addFederationCommands(program: Command): void {
  program
    .command('federation')
    .description('The federation link with the sites')
    .command('ca')
    .description("Print central's federation CA certificate (PEM), to give to sites as central.caFile")
    .option('--config <file>', 'YAML or JSON configuration file')
    .action((opts: { config?: string }) =>
      runCommand('central', opts.config, async ({ config }) => {
        if (config.federation.tls !== 'auto') {
          const trust =
            config.federation.tls === 'files'
              ? 'sites trust the CA that signed grpc.tlsCertFile'
              : 'the link is plaintext';
          printToTerminal(
            `quire-central: central runs no federation CA (federation.tls is ${config.federation.tls}): ${trust}`,
          );
          return EXIT_CONFIG_INVALID;
        }
        // The silent logger keeps log lines off standard output, which carries the certificate.
        const ca = await FederationCa.open(config.data.dir, createSilentLogger());
        if (ca.created) printToTerminal(`Generated a new federation CA in ${ca.dir}.`);
        if (config.grpc.tlsCertFile) {
          printToTerminal(
            'Note: central presents grpc.tlsCertFile, so sites verify central with the CA that signed it; this CA signs site client certificates only.',
          );
        }
        const pem = ca.certPem.endsWith('\n') ? ca.certPem : `${ca.certPem}\n`;
        // Wait for the write: the command exits right after, and a pipe may still hold the bytes.
        await new Promise<void>((resolve) => process.stdout.write(pem, () => resolve()));
        return 0;
      }),
    );
}
