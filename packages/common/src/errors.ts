/**
 * Error types with stable codes.
 *
 * Every error that reaches a client or an operator carries a code that never changes between releases (so scripts
 * and support notes can rely on it) and a message that says what to fix. HTTP front-ends map `httpStatus`;
 * other front-ends map the code to their own protocol status.
 */

/** The stable error codes. Add new codes; never rename or reuse one. */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  BadRequest: 'BAD_REQUEST',
  ValidationFailed: 'VALIDATION_FAILED',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  AuthRequired: 'AUTH_REQUIRED',
  AuthInvalidCredentials: 'AUTH_INVALID_CREDENTIALS',
  AuthAccountLocked: 'AUTH_ACCOUNT_LOCKED',
  AuthAccountDisabled: 'AUTH_ACCOUNT_DISABLED',
  Forbidden: 'FORBIDDEN',
  EnrolmentTokenInvalid: 'ENROLMENT_TOKEN_INVALID',
  SiteCredentialInvalid: 'SITE_CREDENTIAL_INVALID',
  DbUrlInvalid: 'DB_URL_INVALID',
  NotReady: 'NOT_READY',
  Internal: 'INTERNAL',
  QueueNotFound: 'QUEUE_NOT_FOUND',
  QueueOffline: 'QUEUE_OFFLINE',
  JobTooLarge: 'JOB_TOO_LARGE',
  JobOwnerUnknown: 'JOB_OWNER_UNKNOWN',
  JobNotFound: 'JOB_NOT_FOUND',
  JobStateConflict: 'JOB_STATE_CONFLICT',
  SpoolFailed: 'SPOOL_FAILED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  SiteCredentialCorrupt: 'SITE_CREDENTIAL_CORRUPT',
  PrinterNotFound: 'PRINTER_NOT_FOUND',
  PrinterUriInvalid: 'PRINTER_URI_INVALID',
  ReleaseFailed: 'RELEASE_FAILED',
  TerminalSessionInvalid: 'TERMINAL_SESSION_INVALID',
  LdapUnavailable: 'LDAP_UNAVAILABLE',
  LdapBindFailed: 'LDAP_BIND_FAILED',
  LdapSearchFailed: 'LDAP_SEARCH_FAILED',
  MailDeliveryFailed: 'MAIL_DELIVERY_FAILED',
  FederationTlsInvalid: 'FEDERATION_TLS_INVALID',
  SnmpProfileNotFound: 'SNMP_PROFILE_NOT_FOUND',
  ConfigProfileNotFound: 'CONFIG_PROFILE_NOT_FOUND',
  SnmpTimeout: 'SNMP_TIMEOUT',
  SnmpFailed: 'SNMP_FAILED',
  DiscoveryRangeInvalid: 'DISCOVERY_RANGE_INVALID',
  DiscoveryNotFound: 'DISCOVERY_NOT_FOUND',
  DiscoveryCancelled: 'DISCOVERY_CANCELLED',
  PrinterCsvInvalid: 'PRINTER_CSV_INVALID',
  EventActionNotFound: 'EVENT_ACTION_NOT_FOUND',
  WebhookDeliveryFailed: 'WEBHOOK_DELIVERY_FAILED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const defaultHttpStatus: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  AUTH_REQUIRED: 401,
  AUTH_INVALID_CREDENTIALS: 401,
  AUTH_ACCOUNT_LOCKED: 423,
  AUTH_ACCOUNT_DISABLED: 403,
  FORBIDDEN: 403,
  ENROLMENT_TOKEN_INVALID: 401,
  SITE_CREDENTIAL_INVALID: 401,
  DB_URL_INVALID: 500,
  NOT_READY: 503,
  INTERNAL: 500,
  QUEUE_NOT_FOUND: 404,
  QUEUE_OFFLINE: 409,
  JOB_TOO_LARGE: 413,
  JOB_OWNER_UNKNOWN: 403,
  JOB_NOT_FOUND: 404,
  JOB_STATE_CONFLICT: 409,
  SPOOL_FAILED: 500,
  PAYLOAD_TOO_LARGE: 413,
  SITE_CREDENTIAL_CORRUPT: 500,
  PRINTER_NOT_FOUND: 404,
  PRINTER_URI_INVALID: 400,
  RELEASE_FAILED: 502,
  TERMINAL_SESSION_INVALID: 401,
  LDAP_UNAVAILABLE: 503,
  LDAP_BIND_FAILED: 502,
  LDAP_SEARCH_FAILED: 502,
  MAIL_DELIVERY_FAILED: 502,
  FEDERATION_TLS_INVALID: 500,
  SNMP_PROFILE_NOT_FOUND: 404,
  CONFIG_PROFILE_NOT_FOUND: 404,
  SNMP_TIMEOUT: 504,
  SNMP_FAILED: 502,
  DISCOVERY_RANGE_INVALID: 400,
  DISCOVERY_NOT_FOUND: 404,
  DISCOVERY_CANCELLED: 409,
  PRINTER_CSV_INVALID: 400,
  EVENT_ACTION_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_FAILED: 502,
};

/**
 * The one error type the domain throws. `details` is extra structured context that is safe to show to the
 * client (for example which field failed); never put secrets in it.
 */
export class QuireError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'QuireError';
    this.code = code;
    this.httpStatus = options.httpStatus ?? defaultHttpStatus[code];
    this.details = options.details;
  }
}

/** True when `err` is a QuireError with the given code (or any code when none is given). */
export function isQuireError(err: unknown, code?: ErrorCode): err is QuireError {
  return err instanceof QuireError && (code === undefined || err.code === code);
}

/** A short, printable description of any thrown value, for logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
