/**
 * The IPP attribute registry: for each attribute we read or write, its group, the syntaxes it may carry, whether
 * it is a 1setOf, and (where a server has to judge a value) its known keywords, enum values or integer range.
 *
 * Servers use it to check requests: a wrong syntax in an operation attribute is a bad request, while a wrong or
 * unknown value in a job template attribute goes back in the unsupported group (RFC 8011 section 4.1.7). Tests
 * use it to check that what we send is well-typed. Entries follow the IANA IPP registry.
 */
import { type IppAttribute, type IppValue } from './ipp-message';
import { IppTag } from './ipp-types';

/** Attribute syntaxes (RFC 8011 section 5.1), plus the out-of-band values an attribute may legitimately carry. */
export type IppSyntax =
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'octetString'
  | 'dateTime'
  | 'resolution'
  | 'rangeOfInteger'
  | 'collection'
  | 'text'
  | 'name'
  | 'keyword'
  | 'uri'
  | 'uriScheme'
  | 'charset'
  | 'naturalLanguage'
  | 'mimeMediaType'
  | 'no-value'
  | 'unknown';

/** Where an attribute belongs. */
export type IppAttributeGroupKind = 'operation' | 'job-template' | 'job-description' | 'printer-description';

/** What the registry knows about one attribute. */
export interface IppAttributeDefinition {
  name: string;
  group: IppAttributeGroupKind;
  syntaxes: readonly IppSyntax[];
  setOf: boolean;
  /** For keyword values: the registered keywords (a keyword outside them is an unsupported value). */
  keywords?: readonly string[];
  /** For enum values: the registered values. */
  enums?: readonly number[];
  /** For integer values: the inclusive range. */
  range?: readonly [number, number];
}

/** Why an attribute failed its check. */
export interface IppAttributeProblem {
  reason: 'syntax' | 'cardinality' | 'value' | 'length';
  message: string;
}

const syntaxTags: Record<IppSyntax, readonly number[]> = {
  integer: [IppTag.Integer],
  boolean: [IppTag.Boolean],
  enum: [IppTag.Enum],
  octetString: [IppTag.OctetString],
  dateTime: [IppTag.DateTime],
  resolution: [IppTag.Resolution],
  rangeOfInteger: [IppTag.RangeOfInteger],
  collection: [IppTag.BegCollection],
  text: [IppTag.TextWithoutLanguage, IppTag.TextWithLanguage],
  name: [IppTag.NameWithoutLanguage, IppTag.NameWithLanguage],
  keyword: [IppTag.Keyword],
  uri: [IppTag.Uri],
  uriScheme: [IppTag.UriScheme],
  charset: [IppTag.Charset],
  naturalLanguage: [IppTag.NaturalLanguage],
  mimeMediaType: [IppTag.MimeMediaType],
  'no-value': [IppTag.NoValue],
  unknown: [IppTag.Unknown],
};

/** RFC 8011 section 5.1 maximum lengths, in octets, by value tag. */
const maxLengthByTag = new Map<number, number>([
  [IppTag.TextWithoutLanguage, 1023],
  [IppTag.TextWithLanguage, 1023],
  [IppTag.NameWithoutLanguage, 255],
  [IppTag.NameWithLanguage, 255],
  [IppTag.Keyword, 255],
  [IppTag.Uri, 1023],
  [IppTag.UriScheme, 63],
  [IppTag.Charset, 63],
  [IppTag.NaturalLanguage, 63],
  [IppTag.MimeMediaType, 255],
]);

const MAX_INT = 2147483647;
const registry = new Map<string, IppAttributeDefinition>();

function define(
  group: IppAttributeGroupKind,
  spec: string,
  syntax: string,
  extra: Partial<Pick<IppAttributeDefinition, 'keywords' | 'enums' | 'range'>> = {},
): void {
  const setOf = syntax.startsWith('1setOf ');
  const syntaxes = syntax.replace(/^1setOf /, '').split('|') as IppSyntax[];
  for (const name of spec.split(' ')) registry.set(name, { name, group, syntaxes, setOf, ...extra });
}

const op = (spec: string, syntax: string, extra?: Parameters<typeof define>[3]) =>
  define('operation', spec, syntax, extra);
const template = (spec: string, syntax: string, extra?: Parameters<typeof define>[3]) =>
  define('job-template', spec, syntax, extra);
const job = (spec: string, syntax: string, extra?: Parameters<typeof define>[3]) =>
  define('job-description', spec, syntax, extra);
const printer = (spec: string, syntax: string, extra?: Parameters<typeof define>[3]) =>
  define('printer-description', spec, syntax, extra);

op('attributes-charset', 'charset');
op('attributes-natural-language document-natural-language', 'naturalLanguage');
op('printer-uri job-uri', 'uri');
op('job-id', 'integer', { range: [1, MAX_INT] });
op('job-ids', '1setOf integer', { range: [1, MAX_INT] });
op('requesting-user-name job-name document-name', 'name');
op('document-format', 'mimeMediaType');
op('compression', 'keyword', { keywords: ['none', 'deflate', 'gzip', 'compress'] });
op('ipp-attribute-fidelity last-document my-jobs', 'boolean');
op('which-jobs', 'keyword', {
  keywords: [
    'completed',
    'not-completed',
    'all',
    'aborted',
    'canceled',
    'pending',
    'pending-held',
    'processing',
    'processing-stopped',
    'fetchable',
    'proof-print',
    'saved',
  ],
});
op('limit first-index', 'integer', { range: [1, MAX_INT] });
op('requested-attributes job-mandatory-attributes', '1setOf keyword');
op('identify-actions', '1setOf keyword', { keywords: ['display', 'flash', 'sound', 'speak'] });
op('message status-message detailed-status-message', 'text');
op('job-k-octets job-impressions job-media-sheets', 'integer', { range: [0, MAX_INT] });
op('job-password', 'octetString');
op('job-password-encryption', 'keyword|name');

template('copies number-up', 'integer', { range: [1, MAX_INT] });
template('finishings', '1setOf enum');
template('job-hold-until', 'keyword|name', {
  keywords: [
    'no-hold',
    'indefinite',
    'day-time',
    'evening',
    'night',
    'second-shift',
    'third-shift',
    'weekend',
  ],
});
template('job-priority', 'integer', { range: [1, 100] });
template('job-sheets', '1setOf keyword|name', { keywords: ['none', 'standard'] });
template('media output-bin job-account-id job-accounting-user-id', 'keyword|name');
template('media-col', 'collection');
template('multiple-document-handling', 'keyword', {
  keywords: [
    'single-document',
    'separate-documents-uncollated-copies',
    'separate-documents-collated-copies',
    'single-document-new-sheet',
  ],
});
template('orientation-requested', 'enum', { enums: [3, 4, 5, 6, 7] });
template('page-ranges', '1setOf rangeOfInteger');
template('print-color-mode', 'keyword', {
  keywords: [
    'auto',
    'auto-monochrome',
    'bi-level',
    'color',
    'highlight',
    'monochrome',
    'process-bi-level',
    'process-monochrome',
  ],
});
template('print-quality', 'enum', { enums: [3, 4, 5] });
template('printer-resolution', 'resolution');
template('sides', 'keyword', { keywords: ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'] });
template('print-scaling', 'keyword', { keywords: ['auto', 'auto-fit', 'fill', 'fit', 'none'] });
template('print-content-optimize print-rendering-intent', 'keyword');

job('job-printer-uri job-more-info', 'uri');
job('job-originating-user-name', 'name');
job('job-state', 'enum', { enums: [3, 4, 5, 6, 7, 8, 9] });
job('job-state-reasons', '1setOf keyword');
job('job-state-message', 'text');
job('time-at-creation', 'integer');
job('time-at-processing time-at-completed job-printer-up-time', 'integer|no-value');
job('date-time-at-creation date-time-at-processing date-time-at-completed', 'dateTime|no-value');
job('number-of-intervening-jobs number-of-documents', 'integer');
job('job-impressions-completed job-media-sheets-completed job-k-octets-processed', 'integer|no-value');

printer('printer-uri-supported', '1setOf uri');
printer('uri-security-supported uri-authentication-supported', '1setOf keyword');
printer('printer-name', 'name');
printer('printer-info printer-location printer-make-and-model printer-state-message', 'text');
printer('printer-organization printer-organizational-unit', 'text');
printer('printer-more-info printer-uuid', 'uri');
printer('printer-state', 'enum', { enums: [3, 4, 5] });
printer(
  'printer-state-reasons ipp-versions-supported ipp-features-supported compression-supported',
  '1setOf keyword',
);
printer('printer-is-accepting-jobs color-supported multiple-document-jobs-supported', 'boolean');
printer('page-ranges-supported job-ids-supported', 'boolean');
printer('queued-job-count printer-up-time pages-per-minute pages-per-minute-color copies-default', 'integer');
printer('multiple-operation-time-out number-up-default', 'integer');
printer(
  'operations-supported finishings-supported finishings-default orientation-requested-supported',
  '1setOf enum',
);
printer('print-quality-supported', '1setOf enum');
printer('orientation-requested-default', 'enum|no-value');
printer('print-quality-default', 'enum');
printer('printer-state-change-time printer-config-change-time', 'integer');
printer('charset-configured', 'charset');
printer('charset-supported', '1setOf charset');
printer('natural-language-configured', 'naturalLanguage');
printer('generated-natural-language-supported', '1setOf naturalLanguage');
printer('document-format-default', 'mimeMediaType');
printer('document-format-supported', '1setOf mimeMediaType');
printer('pdl-override-supported multiple-operation-time-out-action', 'keyword');
printer('copies-supported', 'rangeOfInteger');
printer('number-up-supported', '1setOf integer|rangeOfInteger');
printer('media-default output-bin-default job-hold-until-default', 'keyword|name|no-value');
printer('media-supported media-ready output-bin-supported job-hold-until-supported', '1setOf keyword|name');
printer(
  'job-sheets-default job-sheets-supported media-source-supported media-type-supported',
  '1setOf keyword|name',
);
printer('media-col-database media-col-ready media-size-supported', '1setOf collection');
printer('media-col-default', 'collection');
printer(
  'media-col-supported sides-supported print-color-mode-supported which-jobs-supported',
  '1setOf keyword',
);
printer('sides-default print-color-mode-default print-scaling-default identify-actions-default', 'keyword');
printer('printer-resolution-default', 'resolution');
printer('printer-resolution-supported pwg-raster-document-resolution-supported', '1setOf resolution');
printer('printer-current-time printer-config-change-date-time printer-state-change-date-time', 'dateTime');
printer('printer-device-id', 'text');
printer('printer-firmware-name', '1setOf name');
printer('printer-firmware-string-version', '1setOf text');

/** Every registered attribute by name. */
export const ippAttributeRegistry: ReadonlyMap<string, IppAttributeDefinition> = registry;

/** The value tags a syntax may be encoded with (`text` allows textWithLanguage too). */
export function ippSyntaxTags(syntax: IppSyntax): readonly number[] {
  return syntaxTags[syntax];
}

function valueProblem(definition: IppAttributeDefinition, value: IppValue): IppAttributeProblem | undefined {
  const name = definition.name;
  const maxLength = maxLengthByTag.get(value.tag);
  const text = value.kind === 'string' ? value.value : value.kind === 'withLanguage' ? value.value.text : '';
  if (maxLength !== undefined && Buffer.byteLength(text) > maxLength) {
    return { reason: 'length', message: `"${name}" value is longer than ${maxLength} octets` };
  }
  if (value.tag === IppTag.Keyword && definition.keywords && !definition.keywords.includes(text)) {
    return { reason: 'value', message: `"${name}" value "${text}" is not a registered keyword` };
  }
  if (value.kind !== 'integer') return undefined;
  if (value.tag === IppTag.Enum && definition.enums && !definition.enums.includes(value.value)) {
    return { reason: 'value', message: `"${name}" value ${value.value} is not a registered enum value` };
  }
  const range = definition.range;
  if (value.tag === IppTag.Integer && range && (value.value < range[0] || value.value > range[1])) {
    return { reason: 'value', message: `"${name}" value ${value.value} is outside ${range[0]}-${range[1]}` };
  }
  return undefined;
}

/**
 * Check one attribute against its registry entry (or the given definition). Returns the first problem, or
 * undefined when the attribute is well-formed or unknown to the registry.
 */
export function checkIppAttribute(
  attribute: IppAttribute,
  definition: IppAttributeDefinition | undefined = ippAttributeRegistry.get(attribute.name),
): IppAttributeProblem | undefined {
  if (!definition) return undefined;
  const allowed = definition.syntaxes.flatMap(ippSyntaxTags);
  const wrong = attribute.values.find((value) => !allowed.includes(value.tag));
  if (wrong) {
    const expected = definition.syntaxes.join(' | ');
    return {
      reason: 'syntax',
      message: `"${attribute.name}" has value tag 0x${wrong.tag.toString(16)}, expected ${expected}`,
    };
  }
  if (!definition.setOf && attribute.values.length !== 1) {
    return {
      reason: 'cardinality',
      message: `"${attribute.name}" takes one value, got ${attribute.values.length}`,
    };
  }
  for (const value of attribute.values) {
    const problem = valueProblem(definition, value);
    if (problem) return problem;
  }
  return undefined;
}
