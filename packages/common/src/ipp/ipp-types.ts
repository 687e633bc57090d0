/**
 * IPP constants (RFC 8010, RFC 8011, PWG 5100.x): delimiter and value tags, operation ids, status codes and
 * the enums the site needs, with their registered names so logs, metrics and status messages stay readable.
 */

/** Delimiter tags (0x00-0x0F) and value tags (0x10-0x7F), RFC 8010 section 3.5. */
export const IppTag = {
  OperationAttributes: 0x01,
  JobAttributes: 0x02,
  EndOfAttributes: 0x03,
  PrinterAttributes: 0x04,
  UnsupportedAttributes: 0x05,
  SubscriptionAttributes: 0x06,
  EventNotificationAttributes: 0x07,
  ResourceAttributes: 0x08,
  DocumentAttributes: 0x09,
  SystemAttributes: 0x0a,
  Unsupported: 0x10,
  Default: 0x11,
  Unknown: 0x12,
  NoValue: 0x13,
  NotSettable: 0x15,
  DeleteAttribute: 0x16,
  AdminDefine: 0x17,
  Integer: 0x21,
  Boolean: 0x22,
  Enum: 0x23,
  OctetString: 0x30,
  DateTime: 0x31,
  Resolution: 0x32,
  RangeOfInteger: 0x33,
  BegCollection: 0x34,
  TextWithLanguage: 0x35,
  NameWithLanguage: 0x36,
  EndCollection: 0x37,
  TextWithoutLanguage: 0x41,
  NameWithoutLanguage: 0x42,
  Keyword: 0x44,
  Uri: 0x45,
  UriScheme: 0x46,
  Charset: 0x47,
  NaturalLanguage: 0x48,
  MimeMediaType: 0x49,
  MemberAttrName: 0x4a,
  Extension: 0x7f,
} as const;

/** True for a delimiter (group) tag: 0x00-0x0F. */
export function isDelimiterTag(tag: number): boolean {
  return tag >= 0x00 && tag <= 0x0f;
}

/** True for an out-of-band value tag (unsupported, unknown, no-value, ...): 0x10-0x1F. */
export function isOutOfBandTag(tag: number): boolean {
  return tag >= 0x10 && tag <= 0x1f;
}

/** True for the character-string value tags whose value is UTF-8 (or US-ASCII) text: 0x40-0x5F. */
export function isStringTag(tag: number): boolean {
  return tag >= 0x40 && tag <= 0x5f && tag !== IppTag.MemberAttrName;
}

/** Operation ids (RFC 8011, PWG 5100.x), the ones the site answers or names in logs. */
export const IppOperation = {
  PrintJob: 0x0002,
  PrintUri: 0x0003,
  ValidateJob: 0x0004,
  CreateJob: 0x0005,
  SendDocument: 0x0006,
  SendUri: 0x0007,
  CancelJob: 0x0008,
  GetJobAttributes: 0x0009,
  GetJobs: 0x000a,
  GetPrinterAttributes: 0x000b,
  HoldJob: 0x000c,
  ReleaseJob: 0x000d,
  RestartJob: 0x000e,
  PausePrinter: 0x0010,
  ResumePrinter: 0x0011,
  PurgeJobs: 0x0012,
  SetPrinterAttributes: 0x0013,
  SetJobAttributes: 0x0014,
  GetPrinterSupportedValues: 0x0015,
  CreatePrinterSubscriptions: 0x0016,
  CreateJobSubscriptions: 0x0017,
  GetSubscriptionAttributes: 0x0018,
  GetSubscriptions: 0x0019,
  RenewSubscription: 0x001a,
  CancelSubscription: 0x001b,
  GetNotifications: 0x001c,
  EnablePrinter: 0x0022,
  DisablePrinter: 0x0023,
  CancelMyJobs: 0x0039,
  CloseJob: 0x003b,
  IdentifyPrinter: 0x003c,
  ValidateDocument: 0x003d,
  CupsGetDefault: 0x4001,
  CupsGetPrinters: 0x4002,
} as const;

/** Status codes (RFC 8011 section 4.1.6 and its extensions). */
export const IppStatus = {
  SuccessfulOk: 0x0000,
  SuccessfulOkIgnoredOrSubstitutedAttributes: 0x0001,
  SuccessfulOkConflictingAttributes: 0x0002,
  ClientErrorBadRequest: 0x0400,
  ClientErrorForbidden: 0x0401,
  ClientErrorNotAuthenticated: 0x0402,
  ClientErrorNotAuthorized: 0x0403,
  ClientErrorNotPossible: 0x0404,
  ClientErrorTimeout: 0x0405,
  ClientErrorNotFound: 0x0406,
  ClientErrorGone: 0x0407,
  ClientErrorRequestEntityTooLarge: 0x0408,
  ClientErrorRequestValueTooLong: 0x0409,
  ClientErrorDocumentFormatNotSupported: 0x040a,
  ClientErrorAttributesOrValuesNotSupported: 0x040b,
  ClientErrorUriSchemeNotSupported: 0x040c,
  ClientErrorCharsetNotSupported: 0x040d,
  ClientErrorConflictingAttributes: 0x040e,
  ClientErrorCompressionNotSupported: 0x040f,
  ClientErrorCompressionError: 0x0410,
  ClientErrorDocumentFormatError: 0x0411,
  ClientErrorDocumentAccessError: 0x0412,
  ServerErrorInternalError: 0x0500,
  ServerErrorOperationNotSupported: 0x0501,
  ServerErrorServiceUnavailable: 0x0502,
  ServerErrorVersionNotSupported: 0x0503,
  ServerErrorDeviceError: 0x0504,
  ServerErrorTemporaryError: 0x0505,
  ServerErrorNotAcceptingJobs: 0x0506,
  ServerErrorBusy: 0x0507,
  ServerErrorJobCanceled: 0x0508,
  ServerErrorMultipleDocumentJobsNotSupported: 0x0509,
} as const;

/** `job-state` values (RFC 8011 section 5.3.7). */
export const IppJobState = {
  Pending: 3,
  PendingHeld: 4,
  Processing: 5,
  ProcessingStopped: 6,
  Canceled: 7,
  Aborted: 8,
  Completed: 9,
} as const;

/** `printer-state` values (RFC 8011 section 5.4.11). */
export const IppPrinterState = {
  Idle: 3,
  Processing: 4,
  Stopped: 5,
} as const;

/** "ClientErrorBadRequest" -> "Client-Error-Bad-Request": the registered names are these words joined by '-'. */
function words(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1-$2');
}

const operationNames = new Map(
  Object.entries(IppOperation).map(([key, id]) => [
    id as number,
    words(key)
      .replace(/\bUri\b/g, 'URI')
      .replace(/^Cups\b/, 'CUPS'),
  ]),
);
const statusNames = new Map(
  Object.entries(IppStatus).map(([key, code]) => [code as number, words(key).toLowerCase()]),
);

/** The registered name of an operation id ("Print-Job"), or its hex form for unknown ids. */
export function ippOperationName(operation: number): string {
  return operationNames.get(operation) ?? `0x${operation.toString(16).padStart(4, '0')}`;
}

/** The registered keyword of a status code ("client-error-bad-request"), or its hex form. */
export function ippStatusName(status: number): string {
  return statusNames.get(status) ?? `0x${status.toString(16).padStart(4, '0')}`;
}

/** True for the successful-* status codes (0x0000-0x00FF). */
export function isIppSuccess(status: number): boolean {
  return status >= 0 && status <= 0xff;
}
