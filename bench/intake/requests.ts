/**
 * The IPP requests the intake benchmark sends, encoded with Quire's own codec: Print-Job with a document, and
 * Get-Printer-Attributes asking for `all` and `media-col-database` (what the cupsd anchor was measured with).
 */
import { encodeIppMessage, IppMessage, IppOperation, IppTag, IppValues } from '@quire/common';

let nextRequestId = 1;

function operationGroup(message: IppMessage, printerUri: string) {
  return message
    .addGroup(IppTag.OperationAttributes)
    .add('attributes-charset', IppValues.charset('utf-8'))
    .add('attributes-natural-language', IppValues.naturalLanguage('en'))
    .add('printer-uri', IppValues.uri(printerUri))
    .add('requesting-user-name', IppValues.name('bench'));
}

/** The IPP header of a Print-Job for `printerUri`; the document follows it in the HTTP body. */
export function printJobHeader(printerUri: string, options: { holdIndefinitely?: boolean } = {}): Buffer {
  const message = new IppMessage({ major: 2, minor: 0 }, IppOperation.PrintJob, nextRequestId++);
  operationGroup(message, printerUri)
    .add('job-name', IppValues.name('bench job'))
    .add('document-format', IppValues.mimeMediaType('application/pdf'));
  if (options.holdIndefinitely) {
    message.addGroup(IppTag.JobAttributes).add('job-hold-until', IppValues.keyword('indefinite'));
  }
  return encodeIppMessage(message);
}

/** A Print-Job request with `document` attached. */
export function printJobRequest(
  printerUri: string,
  document: Buffer,
  options: { holdIndefinitely?: boolean } = {},
) {
  return Buffer.concat([printJobHeader(printerUri, options), document]);
}

/** A Get-Printer-Attributes request for `all` and `media-col-database`. */
export function getPrinterAttributesRequest(printerUri: string): Buffer {
  const message = new IppMessage({ major: 2, minor: 0 }, IppOperation.GetPrinterAttributes, nextRequestId++);
  operationGroup(message, printerUri).add(
    'requested-attributes',
    IppValues.keyword('all'),
    IppValues.keyword('media-col-database'),
  );
  return encodeIppMessage(message);
}
