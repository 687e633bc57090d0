/**
 * Keep-for-reprint: MyQ's matrix of the queue's "Keep jobs for reprint" setting and the owner's print-job policy
 * of the same name, which decides whether a printed job's document is kept, and who may print it again.
 *
 *   policy on,  queue on:  kept; reprintable, favourite or not.
 *   policy on,  queue off: kept only if it was a favourite when it printed; favourites are reprintable.
 *   policy off, queue on:  kept, but not reprintable (nor can it be made a favourite) until the policy is on.
 *   policy off, queue off: removed as soon as it has printed; never reprintable, whatever changes later.
 */

/** The two settings, and whether the job is a favourite. */
export interface ReprintSettings {
  /** The queue's "Keep jobs for reprint". */
  queueKeeps: boolean;
  /** The owner's print-job policy "Keep jobs for reprint". */
  policyKeeps: boolean;
  favourite: boolean;
}

/** Whether a job's document stays in the spool once it has printed. */
export function keepDocumentAfterPrinting(settings: ReprintSettings): boolean {
  return settings.queueKeeps || (settings.policyKeeps && settings.favourite);
}

/** Whether a printed job may be printed again, given that its document is still kept. */
export function mayReprint(settings: ReprintSettings, documentKept: boolean): boolean {
  return documentKept && settings.policyKeeps && (settings.queueKeeps || settings.favourite);
}

/** Whether the owner may mark jobs as favourites (and so see the favourite option at all). */
export function mayMarkFavourite(policyKeeps: boolean): boolean {
  return policyKeeps;
}
