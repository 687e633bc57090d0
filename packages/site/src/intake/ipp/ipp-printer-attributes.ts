/**
 * Printer attributes of a queue: what ipptool's ipp-1.1 and ipp-2.0 suites require (protocols.md section 4)
 * and what driverless clients need to add the queue (CUPS `lpadmin -m everywhere` builds its PPD from
 * document-format-supported, media-col-database and the raster resolutions; Windows asks for the device id).
 *
 * A Quire queue is a virtual printer: it accepts every common PDL and PWG media name, and the release step later
 * decides what reaches paper. So the "supported" values describe what we accept, not one device.
 */
import { createHash } from 'node:crypto';
import { type IppAttribute, IppOperation, type IppValue, IppValues, IppPrinterState } from '@quire/common';
import { type QueueSummary } from '../intake-port';
import { type IppUris } from './ipp-request';

/** The document formats we accept, PDF first for clients that pick the first one they can make. */
export const supportedDocumentFormats = [
  'application/pdf',
  'application/postscript',
  'application/vnd.hp-pcl',
  'image/pwg-raster',
  'image/urf',
  'image/jpeg',
  'application/octet-stream',
] as const;

/** The operations this server answers, in `operations-supported`. */
export const supportedOperations = [
  IppOperation.PrintJob,
  IppOperation.ValidateJob,
  IppOperation.CreateJob,
  IppOperation.SendDocument,
  IppOperation.CancelJob,
  IppOperation.GetJobAttributes,
  IppOperation.GetJobs,
  IppOperation.GetPrinterAttributes,
  IppOperation.HoldJob,
  IppOperation.ReleaseJob,
  IppOperation.CancelMyJobs,
  IppOperation.CloseJob,
  IppOperation.IdentifyPrinter,
] as const;

/** PWG 5101.1 media we list, with their sizes in hundredths of millimetres. */
export const supportedMedia: ReadonlyArray<{ name: string; width: number; length: number }> = [
  { name: 'iso_a4_210x297mm', width: 21000, length: 29700 },
  { name: 'na_letter_8.5x11in', width: 21590, length: 27940 },
  { name: 'iso_a3_297x420mm', width: 29700, length: 42000 },
  { name: 'iso_a5_148x210mm', width: 14800, length: 21000 },
  { name: 'jis_b5_182x257mm', width: 18200, length: 25700 },
  { name: 'na_legal_8.5x14in', width: 21590, length: 35560 },
  { name: 'na_ledger_11x17in', width: 27940, length: 43180 },
  { name: 'na_executive_7.25x10.5in', width: 18415, length: 26670 },
  { name: 'na_index-4x6_4x6in', width: 10160, length: 15240 },
  { name: 'iso_dl_110x220mm', width: 11000, length: 22000 },
  { name: 'na_number-10_4.125x9.5in', width: 10478, length: 24130 },
];

/** Held values for `job-hold-until-supported`: we hold until released, or not at all. */
export const supportedHoldUntil = ['no-hold', 'indefinite'] as const;
/** `number-up-supported`: the usual n-up layouts. */
export const supportedNumberUp = [1, 2, 4, 6, 9, 16] as const;
/** Upper bound of `copies-supported`. */
export const MAX_COPIES = 999;
const MARGIN = 423;

/** Site-wide facts printer attributes are built from. */
export interface PrinterFacts {
  location: string;
  makeAndModel: string;
  organization: string;
  defaultMedia: string;
  multipleOperationTimeoutSeconds: number;
  startedAt: Date;
  /** Version reported as `printer-firmware-string-version`. */
  version: string;
}

/** What one Get-Printer-Attributes answer depends on. */
export interface PrinterAttributeRequest {
  queue: QueueSummary;
  uris: IppUris;
  facts: PrinterFacts;
  now: Date;
  /** Counted only when `queued-job-count` is asked for: it costs a job query. */
  queuedJobCount: () => Promise<number>;
}

type Group = 'description' | 'template';

const mediaColMembers = [
  'media-size',
  'media-bottom-margin',
  'media-left-margin',
  'media-right-margin',
  'media-top-margin',
  'media-source',
  'media-type',
];
const jobCreationAttributes = [
  'copies',
  'finishings',
  'job-hold-until',
  'job-priority',
  'job-sheets',
  'media',
  'media-col',
  'multiple-document-handling',
  'number-up',
  'orientation-requested',
  'output-bin',
  'page-ranges',
  'print-color-mode',
  'print-quality',
  'print-scaling',
  'printer-resolution',
  'sides',
];
type Entry = [name: string, group: Group, values: () => IppValue[]];

const k = IppValues.keyword;
const keywords = (...values: string[]) => values.map(k);
const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

function mediaSize(width: number, length: number): IppValue {
  return IppValues.collection([
    { name: 'x-dimension', values: [IppValues.integer(width)] },
    { name: 'y-dimension', values: [IppValues.integer(length)] },
  ]);
}

function mediaCol(media: { width: number; length: number }): IppValue {
  const margin = () => [IppValues.integer(MARGIN)];
  return IppValues.collection([
    { name: 'media-size', values: [mediaSize(media.width, media.length)] },
    { name: 'media-bottom-margin', values: margin() },
    { name: 'media-left-margin', values: margin() },
    { name: 'media-right-margin', values: margin() },
    { name: 'media-top-margin', values: margin() },
    { name: 'media-source', values: [k('auto')] },
    { name: 'media-type', values: [k('stationery')] },
  ]);
}

/** The printer-uuid of a queue: its id when that is a UUID, else a stable hash of its name. */
export function printerUuid(queue: QueueSummary): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(queue.id))
    return `urn:uuid:${queue.id}`;
  const hex = createHash('sha256').update(`quire-queue:${queue.name.toLowerCase()}`).digest('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function mediaEntries(facts: PrinterFacts): Entry[] {
  const defaultMedia = supportedMedia.find((m) => m.name === facts.defaultMedia) ?? supportedMedia[0];
  const ready = [defaultMedia, ...supportedMedia.slice(0, 2).filter((m) => m !== defaultMedia)];
  return [
    ['media-default', 'template', () => [k(defaultMedia.name)]],
    ['media-supported', 'template', () => supportedMedia.map((m) => k(m.name))],
    ['media-ready', 'template', () => ready.map((m) => k(m.name))],
    ['media-col-default', 'template', () => [mediaCol(defaultMedia)]],
    ['media-col-ready', 'template', () => ready.map(mediaCol)],
    ['media-col-database', 'template', () => supportedMedia.map(mediaCol)],
    ['media-col-supported', 'template', () => mediaColMembers.map(k)],
    ['media-size-supported', 'template', () => supportedMedia.map((m) => mediaSize(m.width, m.length))],
    ['media-bottom-margin-supported', 'template', () => [IppValues.integer(MARGIN)]],
    ['media-left-margin-supported', 'template', () => [IppValues.integer(MARGIN)]],
    ['media-right-margin-supported', 'template', () => [IppValues.integer(MARGIN)]],
    ['media-top-margin-supported', 'template', () => [IppValues.integer(MARGIN)]],
    ['media-source-supported', 'template', () => [k('auto')]],
    ['media-type-supported', 'template', () => [k('stationery')]],
  ];
}

function templateEntries(): Entry[] {
  const resolutions = () => [IppValues.resolution(300, 300), IppValues.resolution(600, 600)];
  return [
    ['copies-default', 'template', () => [IppValues.integer(1)]],
    ['copies-supported', 'template', () => [IppValues.range(1, MAX_COPIES)]],
    ['finishings-default', 'template', () => [IppValues.enum(3)]],
    ['finishings-supported', 'template', () => [3, 4, 5].map(IppValues.enum)],
    ['job-hold-until-default', 'template', () => [k('no-hold')]],
    ['job-hold-until-supported', 'template', () => supportedHoldUntil.map(k)],
    ['job-sheets-default', 'template', () => [k('none')]],
    ['job-sheets-supported', 'template', () => [k('none')]],
    [
      'multiple-document-handling-supported',
      'template',
      () => keywords('separate-documents-uncollated-copies', 'separate-documents-collated-copies'),
    ],
    ['number-up-default', 'template', () => [IppValues.integer(1)]],
    ['number-up-supported', 'template', () => supportedNumberUp.map(IppValues.integer)],
    ['orientation-requested-default', 'template', () => [IppValues.enum(3)]],
    ['orientation-requested-supported', 'template', () => [3, 4, 5, 6].map(IppValues.enum)],
    ['output-bin-default', 'template', () => [k('face-down')]],
    ['output-bin-supported', 'template', () => [k('face-down')]],
    ['page-ranges-supported', 'template', () => [IppValues.boolean(true)]],
    ['print-color-mode-default', 'template', () => [k('auto')]],
    ['print-color-mode-supported', 'template', () => keywords('auto', 'color', 'monochrome')],
    ['print-content-optimize-default', 'template', () => [k('auto')]],
    ['print-content-optimize-supported', 'template', () => [k('auto')]],
    ['print-quality-default', 'template', () => [IppValues.enum(4)]],
    ['print-quality-supported', 'template', () => [3, 4, 5].map(IppValues.enum)],
    ['print-rendering-intent-default', 'template', () => [k('auto')]],
    ['print-rendering-intent-supported', 'template', () => [k('auto')]],
    ['print-scaling-default', 'template', () => [k('auto')]],
    ['print-scaling-supported', 'template', () => keywords('auto', 'auto-fit', 'fill', 'fit', 'none')],
    ['printer-resolution-default', 'template', () => [IppValues.resolution(600, 600)]],
    ['printer-resolution-supported', 'template', resolutions],
    ['sides-default', 'template', () => [k('one-sided')]],
    [
      'sides-supported',
      'template',
      () => keywords('one-sided', 'two-sided-long-edge', 'two-sided-short-edge'),
    ],
    ['pwg-raster-document-resolution-supported', 'description', resolutions],
    ['pwg-raster-document-sheet-back', 'description', () => [k('normal')]],
    ['pwg-raster-document-type-supported', 'description', () => keywords('black_1', 'sgray_8', 'srgb_8')],
    [
      'urf-supported',
      'description',
      () => keywords('V1.4', 'W8', 'SRGB24', 'CP1', 'RS300-600', 'DM1', 'IS1', 'PQ3-4-5', 'MT1'),
    ],
    ['job-creation-attributes-supported', 'description', () => jobCreationAttributes.map(k)],
  ];
}

function descriptionEntries(request: PrinterAttributeRequest): Entry[] {
  const { queue, uris, facts, now } = request;
  const online = queue.online;
  const uriList = uris.printerUrisSupported(queue.name);
  const text = IppValues.text;
  const started = epochSeconds(facts.startedAt);
  return [
    ['printer-uri-supported', 'description', () => uriList.map((u) => IppValues.uri(u.uri))],
    ['uri-security-supported', 'description', () => uriList.map((u) => k(u.security))],
    ['uri-authentication-supported', 'description', () => uriList.map(() => k('requesting-user-name'))],
    ['printer-name', 'description', () => [IppValues.name(queue.name.slice(0, 127))]],
    ['printer-info', 'description', () => [text((queue.description || queue.name).slice(0, 127))]],
    ['printer-location', 'description', () => [text(facts.location.slice(0, 127))]],
    ['printer-make-and-model', 'description', () => [text(facts.makeAndModel.slice(0, 127))]],
    ['printer-more-info', 'description', () => [IppValues.uri(uris.moreInfo(queue.name))]],
    ['printer-organization', 'description', () => [text(facts.organization)]],
    ['printer-organizational-unit', 'description', () => [text('')]],
    ['printer-uuid', 'description', () => [IppValues.uri(printerUuid(queue))]],
    [
      'printer-device-id',
      'description',
      () => [text('MFG:Quire;MDL:Print Queue;CMD:PDF,PS,PCL,PWGRaster,URF,JPEG;')],
    ],
    ['printer-firmware-name', 'description', () => [IppValues.name('Quire')]],
    ['printer-firmware-string-version', 'description', () => [text(facts.version)]],
    ['printer-state', 'description', () => [IppValues.enum(IppPrinterState.Idle)]],
    ['printer-state-reasons', 'description', () => [k('none')]],
    [
      'printer-state-message',
      'description',
      () => [text(online ? 'Accepting jobs.' : 'Not accepting jobs: the queue is offline.')],
    ],
    ['printer-is-accepting-jobs', 'description', () => [IppValues.boolean(online)]],
    ['printer-up-time', 'description', () => [IppValues.integer(Math.max(1, epochSeconds(now)))]],
    ['printer-current-time', 'description', () => [IppValues.dateTime(now)]],
    ['printer-state-change-time', 'description', () => [IppValues.integer(started)]],
    ['printer-state-change-date-time', 'description', () => [IppValues.dateTime(facts.startedAt)]],
    ['printer-config-change-time', 'description', () => [IppValues.integer(started)]],
    ['printer-config-change-date-time', 'description', () => [IppValues.dateTime(facts.startedAt)]],
    ['printer-geo-location', 'description', () => [IppValues.unknown()]],
    ['ipp-versions-supported', 'description', () => keywords('1.0', '1.1', '2.0')],
    ['ipp-features-supported', 'description', () => [k('ipp-everywhere')]],
    ['operations-supported', 'description', () => supportedOperations.map((op) => IppValues.enum(op))],
    ['charset-configured', 'description', () => [IppValues.charset('utf-8')]],
    ['charset-supported', 'description', () => [IppValues.charset('utf-8'), IppValues.charset('us-ascii')]],
    ['natural-language-configured', 'description', () => [IppValues.naturalLanguage('en')]],
    ['generated-natural-language-supported', 'description', () => [IppValues.naturalLanguage('en')]],
    ['document-format-default', 'description', () => [IppValues.mimeMediaType('application/octet-stream')]],
    ['document-format-supported', 'description', () => supportedDocumentFormats.map(IppValues.mimeMediaType)],
    ['compression-supported', 'description', () => [k('none')]],
    ['pdl-override-supported', 'description', () => [k('attempted')]],
    ['color-supported', 'description', () => [IppValues.boolean(true)]],
    ['pages-per-minute', 'description', () => [IppValues.integer(60)]],
    ['pages-per-minute-color', 'description', () => [IppValues.integer(60)]],
    ['multiple-document-jobs-supported', 'description', () => [IppValues.boolean(false)]],
    [
      'multiple-operation-time-out',
      'description',
      () => [IppValues.integer(facts.multipleOperationTimeoutSeconds)],
    ],
    ['multiple-operation-time-out-action', 'description', () => [k('abort-job')]],
    ['which-jobs-supported', 'description', () => keywords('completed', 'not-completed', 'all')],
    ['job-ids-supported', 'description', () => [IppValues.boolean(true)]],
    ['identify-actions-default', 'description', () => [k('sound')]],
    ['identify-actions-supported', 'description', () => keywords('display', 'sound')],
    ['job-priority-default', 'template', () => [IppValues.integer(50)]],
    ['job-priority-supported', 'template', () => [IppValues.integer(100)]],
  ];
}

/**
 * The filter for Get-Printer-Attributes `requested-attributes`: `all` (everything but media-col-database, which
 * is large and only sent when named, as CUPS does), `printer-description`, `job-template`, or names.
 */
export function printerAttributeFilter(
  requested: string[] | undefined,
): (name: string, group: Group) => boolean {
  const names = new Set(requested && requested.length > 0 ? requested : ['all']);
  const all = names.has('all');
  return (name, group) =>
    names.has(name) ||
    (name !== 'media-col-database' &&
      (all ||
        (group === 'description' && names.has('printer-description')) ||
        (group === 'template' && names.has('job-template'))));
}

/** The printer attributes of a queue that `wanted` selects, in a stable order. */
export async function printerAttributes(
  request: PrinterAttributeRequest,
  wanted: (name: string, group: Group) => boolean,
): Promise<IppAttribute[]> {
  const entries = [...descriptionEntries(request), ...templateEntries(), ...mediaEntries(request.facts)];
  const attributes = entries
    .filter(([name, group]) => wanted(name, group))
    .map(([name, , values]) => ({ name, values: values() }));
  if (wanted('queued-job-count', 'description')) {
    attributes.push({
      name: 'queued-job-count',
      values: [IppValues.integer(await request.queuedJobCount())],
    });
  }
  return attributes;
}
