/**
 * A small promise wrapper over one net-snmp session (one UDP socket): GET, GETNEXT and GETBULK for SNMPv1, v2c
 * and v3, with every failure turned into a QuireError that says what to fix. `withSnmpSession` opens a session
 * for one piece of work and always closes it, so a poll never leaks a socket, whatever happens.
 *
 * Secrets (communities, USM keys) go to net-snmp and nowhere else: messages name the host, the version, the
 * user and the protocols, never a key. net-snmp's own messages are not passed on either, as some of them carry
 * authentication digests.
 */
import { isIP } from 'node:net';
import * as snmp from 'net-snmp';
import { ErrorCode, QuireError } from '@quire/common';
import {
  describeTarget,
  type SnmpAuthProtocol,
  type SnmpPrivProtocol,
  type SnmpTarget,
  type SnmpV3Settings,
} from './snmp-settings';

/** One variable binding as net-snmp returns it (values: number, Buffer, dotted OID string). */
export type SnmpVarbind = snmp.Varbind;

const AUTH_PROTOCOLS: Record<SnmpAuthProtocol, snmp.AuthProtocols> = {
  none: snmp.AuthProtocols.none,
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha256: snmp.AuthProtocols.sha256,
  sha512: snmp.AuthProtocols.sha512,
};

// AES-256 is not standardised; Net-SNMP's agent calls the Blumenthal key extension "AES256" (and Cisco's Reeder
// variant "AES256C"), so the profile's `aes256` is Blumenthal.
const PRIV_PROTOCOLS: Record<SnmpPrivProtocol, snmp.PrivProtocols> = {
  none: snmp.PrivProtocols.none,
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256: snmp.PrivProtocols.aes256b,
};

function securityLevel(v3: SnmpV3Settings): snmp.SecurityLevel {
  if (v3.authProtocol === 'none') return snmp.SecurityLevel.noAuthNoPriv;
  return v3.privProtocol === 'none' ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.authPriv;
}

function usmUser(v3: SnmpV3Settings): snmp.User {
  const level = securityLevel(v3);
  const user: snmp.User = { name: v3.user, level };
  if (level !== snmp.SecurityLevel.noAuthNoPriv) {
    user.authProtocol = AUTH_PROTOCOLS[v3.authProtocol];
    user.authKey = v3.authKey;
  }
  if (level === snmp.SecurityLevel.authPriv) {
    user.privProtocol = PRIV_PROTOCOLS[v3.privProtocol];
    user.privKey = v3.privKey;
  }
  return user;
}

function createSession(target: SnmpTarget): snmp.Session {
  const { profile } = target;
  const common = {
    port: profile.port,
    timeout: profile.timeoutMs,
    retries: profile.retries,
    transport: isIP(target.host) === 6 ? ('udp6' as const) : ('udp4' as const),
  };
  if (profile.version === '3') {
    if (!profile.v3) {
      throw new QuireError(ErrorCode.SnmpFailed, 'the SNMPv3 profile has no user settings; set its v3 user');
    }
    return snmp.createV3Session(target.host, usmUser(profile.v3), {
      ...common,
      version: snmp.Version3,
      context: profile.v3.context,
    });
  }
  const version = profile.version === '1' ? snmp.Version1 : snmp.Version2c;
  return snmp.createSession(target.host, profile.community, { ...common, version });
}

/** What to tell the admin for each USM report (RFC 3414 usmStats counters) an agent may answer with. */
function usmReportProblem(report: string, target: SnmpTarget): string | null {
  const user = target.profile.v3?.user ?? '';
  if (/wrong digest/i.test(report)) {
    return `the agent rejected the authentication of user "${user}": the authentication key or protocol of the SNMP profile does not match the device`;
  }
  if (/unknown user/i.test(report)) {
    return `the agent does not know the SNMPv3 user "${user}": check the user name of the SNMP profile`;
  }
  if (/decryption/i.test(report)) {
    return `the agent could not decrypt the request of user "${user}": the privacy key or protocol of the SNMP profile does not match the device`;
  }
  if (/security level/i.test(report)) {
    return `the agent does not accept user "${user}" at this security level: check which authentication and privacy protocols the device requires`;
  }
  if (/time window/i.test(report)) {
    return 'the agent refused the request as outside its time window (its clock was reset); try again';
  }
  if (/engine id/i.test(report)) {
    return 'the agent did not recognise its own engine ID in the request; try again';
  }
  return null;
}

function responseInvalidProblem(err: { message: string; code?: number }, target: SnmpTarget): string {
  switch (err.code) {
    case snmp.ResponseInvalidCode.EAuthFailure:
      return (
        usmReportProblem(err.message, target) ??
        'the answer failed authentication: the authentication key or protocol of the SNMP profile does not match the device'
      );
    case snmp.ResponseInvalidCode.ECouldNotDecrypt:
      return 'the answer could not be decrypted: the privacy key or protocol of the SNMP profile does not match the device';
    case snmp.ResponseInvalidCode.EUnexpectedReport:
      return 'the agent answered with an unexpected SNMPv3 report; check the user, keys and context of the SNMP profile';
    default:
      return `the answer was not a valid SNMP response (net-snmp code ${err.code ?? 'unknown'})`;
  }
}

function localProblem(err: Error & { code?: unknown }, target: SnmpTarget): string {
  if (err.code === 'ERR_OSSL_EVP_UNSUPPORTED') {
    return 'this Node.js build has no DES (OpenSSL 3 disables it); use AES in the SNMP profile and on the device, or start Node.js with --openssl-legacy-provider';
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return `the host name "${target.host}" does not resolve`;
  }
  if (err.name === 'RequestInvalidError') return 'the request could not be built';
  return `the request could not be sent (${String(err.code ?? err.name)})`;
}

/** What else a silent agent can mean: agents drop requests with a wrong community or an undecryptable body. */
function timeoutHint(target: SnmpTarget): string {
  const { version, v3 } = target.profile;
  if (version !== '3') {
    return `check that the device is reachable and that its SNMPv${version} community matches the profile (agents ignore a wrong community)`;
  }
  if (v3 && v3.privProtocol !== 'none') {
    return 'check that the device is reachable and speaks SNMPv3, and that the privacy key and protocol of the profile match it (agents ignore requests they cannot decrypt)';
  }
  return 'check that the device is reachable and speaks SNMPv3';
}

function statusProblem(status: number, target: SnmpTarget): string {
  const name = snmp.ErrorStatus[status] ?? `code ${status}`;
  const { version, v3 } = target.profile;
  if (status === snmp.ErrorStatus.AuthorizationError || status === snmp.ErrorStatus.NoAccess) {
    return version === '3'
      ? `the agent refused user "${v3?.user ?? ''}" (${name}): the device may require privacy (encryption), another security level or another context name`
      : `the agent refused the community (${name}): give the community read access on the device`;
  }
  return `the agent answered with error status ${name}`;
}

/**
 * The QuireError for a net-snmp failure on `target`: SNMP_TIMEOUT when nothing answered after every try,
 * SNMP_FAILED otherwise (USM reports, undecryptable or unauthentic answers, error statuses, local errors). An
 * error that already is a QuireError is returned as it is.
 */
export function snmpError(err: unknown, target: SnmpTarget): QuireError {
  if (err instanceof QuireError) return err;
  const where = describeTarget(target);
  const version = `SNMPv${target.profile.version}`;
  const failure: Error & { code?: unknown; status?: number } =
    err instanceof Error ? err : new Error(String(err));
  if (failure.name === 'RequestTimedOutError') {
    const { retries, timeoutMs } = target.profile;
    const tries = retries + 1;
    const hint = timeoutHint(target);
    return new QuireError(
      ErrorCode.SnmpTimeout,
      `no SNMP answer from ${where} after ${tries} ${tries === 1 ? 'try' : 'tries'} (timeout ${timeoutMs} ms); ${hint}`,
      { details: { host: target.host, port: target.profile.port } },
    );
  }
  let problem: string;
  if (failure.name === 'ResponseInvalidError') {
    problem = responseInvalidProblem(failure as { message: string; code?: number }, target);
  } else if (failure.name === 'RequestFailedError') {
    problem = statusProblem(failure.status ?? snmp.ErrorStatus.GeneralError, target);
  } else {
    problem = localProblem(failure, target);
  }
  return new QuireError(ErrorCode.SnmpFailed, `${version} request to ${where} failed: ${problem}`, {
    details: { host: target.host, port: target.profile.port },
  });
}

/** True for the varbinds an agent sends instead of a value (noSuchObject, noSuchInstance, endOfMibView). */
export function isMissing(varbind: SnmpVarbind): boolean {
  return snmp.isVarbindError(varbind);
}

/** True when `err` is an SNMPv1 noSuchName error status (how v1 says an OID does not exist). */
export function isNoSuchName(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'RequestFailedError' &&
    (err as Error & { status?: number }).status === snmp.ErrorStatus.NoSuchName
  );
}

/** True when `err` is a tooBig error status (the answer would not fit in one datagram). */
export function isTooBig(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'RequestFailedError' &&
    (err as Error & { status?: number }).status === snmp.ErrorStatus.TooBig
  );
}

/** The requests a session offers; what the walker needs (and what a test can script). */
export interface SnmpRequester {
  readonly version: SnmpTarget['profile']['version'];
  get(oids: string[]): Promise<SnmpVarbind[]>;
  getNext(oids: string[]): Promise<SnmpVarbind[]>;
  getBulk(
    oids: string[],
    nonRepeaters: number,
    maxRepetitions: number,
  ): Promise<(SnmpVarbind | SnmpVarbind[])[]>;
}

/**
 * One open SNMP session. Requests reject with net-snmp's own errors, so callers can react to protocol details
 * (noSuchName on v1, tooBig); `withSnmpSession` turns whatever escapes into a QuireError.
 */
export class SnmpSession implements SnmpRequester {
  private constructor(
    readonly target: SnmpTarget,
    private readonly session: snmp.Session,
  ) {}

  /** Open a session (a UDP socket) to `target`. */
  static open(target: SnmpTarget): SnmpSession {
    const session = createSession(target);
    // A socket error must never become an unhandled 'error' event; the request callbacks report failures.
    session.on('error', () => undefined);
    return new SnmpSession(target, session);
  }

  /** The SNMP version in use. */
  get version(): SnmpTarget['profile']['version'] {
    return this.target.profile.version;
  }

  /** GET: the varbinds of `oids`, in order. */
  get(oids: string[]): Promise<SnmpVarbind[]> {
    return new Promise((resolve, reject) => {
      this.session.get(oids, (err, varbinds) => (err ? reject(err) : resolve(varbinds ?? [])));
    });
  }

  /** GETNEXT: for each of `oids`, the varbind that follows it. */
  getNext(oids: string[]): Promise<SnmpVarbind[]> {
    return new Promise((resolve, reject) => {
      this.session.getNext(oids, (err, varbinds) => (err ? reject(err) : resolve(varbinds ?? [])));
    });
  }

  /**
   * GETBULK (v2c/v3): the first `nonRepeaters` OIDs get one following varbind each; each other OID gets up to
   * `maxRepetitions` following varbinds, as an array.
   */
  getBulk(
    oids: string[],
    nonRepeaters: number,
    maxRepetitions: number,
  ): Promise<(SnmpVarbind | SnmpVarbind[])[]> {
    return new Promise((resolve, reject) => {
      this.session.getBulk(oids, nonRepeaters, maxRepetitions, (err, varbinds) =>
        err ? reject(err) : resolve(varbinds ?? []),
      );
    });
  }

  /** Close the socket; requests still waiting fail. Safe to call twice. */
  close(): void {
    try {
      this.session.close();
    } catch {
      // dgram throws ERR_SOCKET_DGRAM_NOT_RUNNING on a second close; closed is what was asked for.
    }
  }
}

const NET_SNMP_ERRORS = new Set([
  'RequestTimedOutError',
  'ResponseInvalidError',
  'RequestFailedError',
  'RequestInvalidError',
]);

/**
 * True for failures of the SNMP exchange itself: net-snmp's error classes and system errors (which carry a
 * string `code`, such as ENOTFOUND). Anything else is a bug in the caller's code and must surface as one.
 */
export function isSnmpFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return NET_SNMP_ERRORS.has(err.name) || typeof (err as Error & { code?: unknown }).code === 'string';
}

/**
 * Run `work` with a session to `target`, close the session whatever happens, and turn an SNMP failure into a
 * QuireError (SNMP_TIMEOUT or SNMP_FAILED, see {@link snmpError}); other errors pass through unchanged.
 */
export async function withSnmpSession<T>(
  target: SnmpTarget,
  work: (session: SnmpSession) => Promise<T>,
): Promise<T> {
  let session: SnmpSession;
  try {
    session = SnmpSession.open(target);
  } catch (err) {
    throw snmpError(err, target);
  }
  try {
    return await work(session);
  } catch (err) {
    throw isSnmpFailure(err) ? snmpError(err, target) : err;
  } finally {
    session.close();
  }
}
