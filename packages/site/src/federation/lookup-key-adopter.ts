/**
 * Takes the organisation's PIN and card lookup-key secret from central's welcome. Central stores every PIN and
 * card as a keyed HMAC; a site must compute the same HMAC of what a user types or swipes to find them, so it uses
 * central's secret, keeps it in its data dir (so sign-in works offline after a restart), and uses it at once.
 */
import { describeError, saveLookupKey, type Logger, type LookupKeys } from '@quire/common';
import type { Welcome__Output } from '@quire/shared-proto';
import type { LinkChannel, LinkParticipant } from './link-participant';

/** What the adopter changes and where it keeps the secret. */
export interface LookupKeyAdopterOptions {
  lookupKeys: LookupKeys;
  dataDir: string;
  /** True when `terminal.lookupKey` is set in the configuration: central's secret is used but not saved. */
  configured: boolean;
  logger: Logger;
}

/** The site participant that adopts central's lookup-key secret on every welcome. */
export class LookupKeyAdopter implements LinkParticipant {
  constructor(private readonly options: LookupKeyAdopterOptions) {}

  onEstablished(_channel: LinkChannel, welcome: Welcome__Output): void {
    const secret = welcome.lookupKey;
    const { lookupKeys, configured, logger, dataDir } = this.options;
    if (!secret || secret === lookupKeys.secret) return;
    lookupKeys.useSecret(secret);
    if (configured) {
      logger.warn(
        "terminal.lookupKey differs from central's directory.lookupKey; using central's so PINs and cards from central match. Remove terminal.lookupKey from this site's configuration",
      );
      return;
    }
    logger.info("adopted central's PIN and card lookup key");
    saveLookupKey(dataDir, secret).catch((err: unknown) =>
      logger.error(
        "could not keep central's lookup key in the data dir; PINs from central will not match after a restart until the link is up",
        {
          error: describeError(err),
        },
      ),
    );
  }
}
