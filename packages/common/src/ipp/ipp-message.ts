/**
 * The IPP object model: a message is a header plus ordered attribute groups; a group holds named attributes;
 * an attribute holds one or more typed values (1setOf), each carrying its own value tag, because IPP allows
 * mixed syntaxes in one attribute (`keyword | name`) and the tag, not the name, tells how to encode a value.
 *
 * Values are plain tagged objects so the decoder, the encoder and callers agree on one shape; `IppValues`
 * builds them and the group helpers read them without casting.
 */
import { IppTag } from './ipp-types';

/** RFC 8010 dateTime (RFC 2579 DateAndTime): kept field by field so an odd but legal value round-trips. */
export interface IppDateTime {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
  deciSeconds: number;
  utcDirection: '+' | '-';
  utcHours: number;
  utcMinutes: number;
}

/** `resolution`: cross-feed and feed resolution; units 3 = dots per inch, 4 = dots per centimetre. */
export interface IppResolution {
  crossFeed: number;
  feed: number;
  units: number;
}

/** `rangeOfInteger`. */
export interface IppRange {
  lower: number;
  upper: number;
}

/** `textWithLanguage` / `nameWithLanguage`. */
export interface IppStringWithLanguage {
  language: string;
  text: string;
}

/** One attribute value with its value tag. `kind` says how `value` is represented. */
export type IppValue =
  | { kind: 'integer'; tag: number; value: number }
  | { kind: 'boolean'; tag: number; value: boolean }
  | { kind: 'string'; tag: number; value: string }
  | { kind: 'octets'; tag: number; value: Buffer }
  | { kind: 'dateTime'; tag: number; value: IppDateTime }
  | { kind: 'resolution'; tag: number; value: IppResolution }
  | { kind: 'range'; tag: number; value: IppRange }
  | { kind: 'withLanguage'; tag: number; value: IppStringWithLanguage }
  | { kind: 'collection'; tag: number; value: IppAttribute[] }
  | { kind: 'outOfBand'; tag: number; value: Buffer };

/** A named attribute (or collection member) with its values, in wire order. */
export interface IppAttribute {
  name: string;
  values: IppValue[];
}

/** The RFC 2579 form of a JavaScript date, in UTC. */
export function dateToIppDateTime(date: Date): IppDateTime {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hours: date.getUTCHours(),
    minutes: date.getUTCMinutes(),
    seconds: date.getUTCSeconds(),
    deciSeconds: Math.floor(date.getUTCMilliseconds() / 100),
    utcDirection: '+',
    utcHours: 0,
    utcMinutes: 0,
  };
}

/** The instant an IPP dateTime names, applying its UTC offset. */
export function ippDateTimeToDate(value: IppDateTime): Date {
  const local = Date.UTC(
    value.year,
    value.month - 1,
    value.day,
    value.hours,
    value.minutes,
    value.seconds,
    value.deciSeconds * 100,
  );
  const offsetMs = (value.utcHours * 60 + value.utcMinutes) * 60_000;
  return new Date(value.utcDirection === '+' ? local - offsetMs : local + offsetMs);
}

const str =
  (tag: number) =>
  (value: string): IppValue => ({ kind: 'string', tag, value });
const oob = (tag: number) => (): IppValue => ({ kind: 'outOfBand', tag, value: Buffer.alloc(0) });

/** Builders for every value syntax, so callers never spell tags by hand. */
export const IppValues = {
  integer: (value: number): IppValue => ({ kind: 'integer', tag: IppTag.Integer, value }),
  enum: (value: number): IppValue => ({ kind: 'integer', tag: IppTag.Enum, value }),
  boolean: (value: boolean): IppValue => ({ kind: 'boolean', tag: IppTag.Boolean, value }),
  octetString: (value: Buffer): IppValue => ({ kind: 'octets', tag: IppTag.OctetString, value }),
  dateTime: (value: Date | IppDateTime): IppValue => ({
    kind: 'dateTime',
    tag: IppTag.DateTime,
    value: value instanceof Date ? dateToIppDateTime(value) : value,
  }),
  resolution: (crossFeed: number, feed: number, units = 3): IppValue => ({
    kind: 'resolution',
    tag: IppTag.Resolution,
    value: { crossFeed, feed, units },
  }),
  range: (lower: number, upper: number): IppValue => ({
    kind: 'range',
    tag: IppTag.RangeOfInteger,
    value: { lower, upper },
  }),
  textWithLanguage: (language: string, text: string): IppValue => ({
    kind: 'withLanguage',
    tag: IppTag.TextWithLanguage,
    value: { language, text },
  }),
  nameWithLanguage: (language: string, text: string): IppValue => ({
    kind: 'withLanguage',
    tag: IppTag.NameWithLanguage,
    value: { language, text },
  }),
  collection: (members: IppAttribute[]): IppValue => ({
    kind: 'collection',
    tag: IppTag.BegCollection,
    value: members,
  }),
  text: str(IppTag.TextWithoutLanguage),
  name: str(IppTag.NameWithoutLanguage),
  keyword: str(IppTag.Keyword),
  uri: str(IppTag.Uri),
  uriScheme: str(IppTag.UriScheme),
  charset: str(IppTag.Charset),
  naturalLanguage: str(IppTag.NaturalLanguage),
  mimeMediaType: str(IppTag.MimeMediaType),
  unsupported: oob(IppTag.Unsupported),
  unknown: oob(IppTag.Unknown),
  noValue: oob(IppTag.NoValue),
  outOfBand: (tag: number): IppValue => ({ kind: 'outOfBand', tag, value: Buffer.alloc(0) }),
  raw: (tag: number, value: Buffer): IppValue => ({ kind: 'octets', tag, value }),
};

/** The text of a string-like value (text, name, keyword, ... with or without language), else undefined. */
export function ippValueText(value: IppValue | undefined): string | undefined {
  if (!value) return undefined;
  if (value.kind === 'string') return value.value;
  if (value.kind === 'withLanguage') return value.value.text;
  return undefined;
}

/** An attribute group (operation, job, printer, unsupported, ...). Several groups may share a tag. */
export class IppAttributeGroup {
  constructor(
    readonly tag: number,
    readonly attributes: IppAttribute[] = [],
  ) {}

  /** The first attribute with this name. */
  get(name: string): IppAttribute | undefined {
    return this.attributes.find((attribute) => attribute.name === name);
  }

  /** Append an attribute (even when one of the same name exists: the caller decides about duplicates). */
  add(name: string, ...values: IppValue[]): this {
    this.attributes.push({ name, values });
    return this;
  }

  /** Replace the values of `name`, or append it. */
  set(name: string, ...values: IppValue[]): this {
    const existing = this.get(name);
    if (existing) existing.values = values;
    else this.add(name, ...values);
    return this;
  }

  /** The first value's text, for string-like values. */
  getString(name: string): string | undefined {
    return ippValueText(this.get(name)?.values[0]);
  }

  /** Every value's text, skipping values that are not strings. */
  getStrings(name: string): string[] {
    const values = this.get(name)?.values ?? [];
    return values.map(ippValueText).filter((text): text is string => text !== undefined);
  }

  /** The first value as a number, for integer and enum values. */
  getInteger(name: string): number | undefined {
    const value = this.get(name)?.values[0];
    return value?.kind === 'integer' ? value.value : undefined;
  }

  /** The first value as a boolean. */
  getBoolean(name: string): boolean | undefined {
    const value = this.get(name)?.values[0];
    return value?.kind === 'boolean' ? value.value : undefined;
  }
}

/** A request or response: version, operation id (request) or status code (response), request id, groups. */
export class IppMessage {
  constructor(
    public version: { major: number; minor: number },
    public code: number,
    public requestId: number,
    readonly groups: IppAttributeGroup[] = [],
  ) {}

  /** The first group with this tag. */
  group(tag: number): IppAttributeGroup | undefined {
    return this.groups.find((group) => group.tag === tag);
  }

  /** Every group with this tag, in order (Get-Jobs answers one job group per job). */
  groupsWithTag(tag: number): IppAttributeGroup[] {
    return this.groups.filter((group) => group.tag === tag);
  }

  /** Append a new group and return it for filling. */
  addGroup(tag: number): IppAttributeGroup {
    const group = new IppAttributeGroup(tag);
    this.groups.push(group);
    return group;
  }

  /** The first attribute with this name, in one group tag or anywhere. */
  find(name: string, groupTag?: number): IppAttribute | undefined {
    for (const group of this.groups) {
      if (groupTag !== undefined && group.tag !== groupTag) continue;
      const attribute = group.get(name);
      if (attribute) return attribute;
    }
    return undefined;
  }

  /** The operation attributes group (requests and responses both start with it). */
  get operation(): IppAttributeGroup | undefined {
    return this.group(IppTag.OperationAttributes);
  }
}
