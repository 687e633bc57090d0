/**
 * The shape every directory source (LDAP, CSV) turns its records into before the sync engine compares them with
 * the directory: one normalised user, with clear-text PINs and cards as the source holds them (the engine turns
 * them into lookup keys; they are never stored in clear), and groups as paths from the top of a tree.
 */

/** One user as a source describes it. */
export interface SourceUser {
  /** The login name, as the source gives it (lower-cased by the engine when the source says so). */
  username: string;
  /** Alternative names for the same user (other OS accounts); they share the username namespace. */
  aliases: string[];
  fullName: string;
  email: string;
  /** An optional alternate identifier, unique per user; the match key with "pair by personal number". */
  personalNumber: string | null;
  phone: string | null;
  /** A language code (`en`, `fr`), or null. */
  language: string | null;
  /** Clear-text PINs as the source holds them (CSV: MD5 hashes, marked `md5:`). */
  pins: string[];
  /** Card numbers exactly as the reader outputs them. */
  cards: string[];
  /** Groups, each as the path of names from the root of the tree (`['Staff', 'Finance']`); flat groups have one. */
  groups: string[][];
  /** Groups the user manages, as paths (CSV MANAGED_GROUPS). */
  managedGroups: string[][];
  /** Delegates by username or `group:NAME`. */
  delegates: string[];
  /** Where the record came from, for messages: an LDAP DN, or `line 12` of a CSV file. */
  origin: string;
}

/** A group as a source describes it (LDAP groups may exist without members: "import empty groups"). */
export interface SourceGroup {
  path: string[];
  origin: string;
}

/** A problem with one record, reported and skipped; the rest of the run goes on. */
export interface SourceProblem {
  /** `line 12`, or an LDAP DN. */
  origin: string;
  message: string;
}

/** What a source read: the users, the groups it knows of, and the records it skipped. */
export interface SourceRead {
  users: SourceUser[];
  groups: SourceGroup[];
  problems: SourceProblem[];
}
