/**
 * Reads what a job submission asks for (Print-Job, Validate-Job, Create-Job, Send-Document): document format,
 * compression, and the job template attributes, checked against the attribute registry and what we advertise.
 *
 * RFC 8011 section 4.1.7: a job template attribute with a wrong syntax or an unsupported value is returned in
 * the unsupported group; with `ipp-attribute-fidelity=true` the job is refused
 * (client-error-attributes-or-values-not-supported), otherwise it is accepted and the answer is
 * successful-ok-ignored-or-substituted-attributes. Attributes we do not know are ignored, as CUPS does, so a
 * newer client's extras never cost a job.
 */
import {
  checkIppAttribute,
  type IppAttribute,
  type IppAttributeGroup,
  ippAttributeRegistry,
  type IppMessage,
  IppStatus,
  IppTag,
  type IppValue,
  ippValueText,
} from '@quire/common';
import { IppOperationError } from './ipp-errors';
import {
  MAX_COPIES,
  supportedDocumentFormats,
  supportedHoldUntil,
  supportedNumberUp,
} from './ipp-printer-attributes';

/** The checked job template of a submission. */
export interface JobTicket {
  copies: number;
  holdRequested: boolean;
  /** The template attributes as JSON, kept with the job for release and accounting. */
  attributes: Record<string, unknown>;
  /** Attributes to return in the unsupported group. */
  unsupported: IppAttribute[];
}

/** A JSON form of an IPP value (octet strings are dropped: they may be secrets such as job-password). */
export function ippValueToJson(value: IppValue): unknown {
  switch (value.kind) {
    case 'collection':
      return Object.fromEntries(value.value.map((member) => [member.name, attributeJson(member.values)]));
    case 'octets':
    case 'outOfBand':
      return null;
    case 'dateTime':
      return { ...value.value };
    default:
      return value.value;
  }
}

function attributeJson(values: IppValue[]): unknown {
  const json = values.map(ippValueToJson);
  return json.length === 1 ? json[0] : json;
}

/** Problems beyond the registry: values outside what `*-supported` advertises. */
function supportProblem(attribute: IppAttribute): string | undefined {
  const first = attribute.values[0];
  const text = ippValueText(first);
  switch (attribute.name) {
    case 'copies':
      return first.kind === 'integer' && first.value > MAX_COPIES
        ? `copies is over ${MAX_COPIES}`
        : undefined;
    case 'number-up':
      return first.kind === 'integer' && !(supportedNumberUp as readonly number[]).includes(first.value)
        ? `number-up ${first.value} is not supported`
        : undefined;
    case 'job-hold-until':
      return text !== undefined && !(supportedHoldUntil as readonly string[]).includes(text)
        ? `job-hold-until "${text}" is not supported (only no-hold and indefinite)`
        : undefined;
    case 'job-sheets':
      return attribute.values.some((v) => ippValueText(v) !== 'none')
        ? 'banner pages are not supported'
        : undefined;
    default:
      return undefined;
  }
}

/** Check the job template group of `request`; throws when fidelity is requested and something is unsupported. */
export function readJobTicket(request: IppMessage): JobTicket {
  const ticket: JobTicket = { copies: 1, holdRequested: false, attributes: {}, unsupported: [] };
  const template = request.group(IppTag.JobAttributes);
  const problems: string[] = [];
  for (const attribute of template?.attributes ?? []) {
    if (ippAttributeRegistry.get(attribute.name)?.group !== 'job-template') continue;
    const problem = checkIppAttribute(attribute)?.message ?? supportProblem(attribute);
    if (problem) {
      ticket.unsupported.push(attribute);
      problems.push(problem);
      continue;
    }
    ticket.attributes[attribute.name] = attributeJson(attribute.values);
    const first = attribute.values[0];
    if (attribute.name === 'copies' && first.kind === 'integer') ticket.copies = first.value;
    if (attribute.name === 'job-hold-until') ticket.holdRequested = ippValueText(first) === 'indefinite';
  }
  if (problems.length > 0 && request.operation?.getBoolean('ipp-attribute-fidelity') === true) {
    throw new IppOperationError(
      IppStatus.ClientErrorAttributesOrValuesNotSupported,
      `Unsupported job attributes with ipp-attribute-fidelity: ${problems.join('; ')}`,
      ticket.unsupported,
    );
  }
  return ticket;
}

/** The declared document format, checked against what we accept; null when the client declared none. */
export function readDocumentFormat(operation: IppAttributeGroup): string | null {
  const declared = operation.getString('document-format')?.trim().toLowerCase();
  if (!declared) return null;
  // `lp -o raw` declares CUPS's private raw type: the same thing as octet-stream to us.
  const format = declared === 'application/vnd.cups-raw' ? 'application/octet-stream' : declared;
  if (!(supportedDocumentFormats as readonly string[]).includes(format)) {
    throw new IppOperationError(
      IppStatus.ClientErrorDocumentFormatNotSupported,
      `Document format "${format}" is not supported; send one of ${supportedDocumentFormats.join(', ')}.`,
      [operation.get('document-format')!],
    );
  }
  return format;
}

/** Refuse compressed documents: we advertise `compression-supported=none` only. */
export function checkCompression(operation: IppAttributeGroup): void {
  const compression = operation.getString('compression');
  if (compression !== undefined && compression !== 'none') {
    throw new IppOperationError(
      IppStatus.ClientErrorCompressionNotSupported,
      `Compression "${compression}" is not supported; send the document uncompressed.`,
      [operation.get('compression')!],
    );
  }
}
