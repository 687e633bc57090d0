/**
 * The IPP codec on known-good bytes: requests captured from the real ipptool decode to the attributes ipptool
 * was told to send and re-encode byte for byte; every value tag, additional values and nested collections
 * round-trip; and hand-built encodings match RFC 8010's layout exactly.
 */
import { expect } from 'chai';
import {
  decodeIppHeader,
  decodeIppMessage,
  encodeIppMessage,
  ippDateTimeToDate,
  IppMessage,
  IppOperation,
  ippOperationName,
  IppStatus,
  ippStatusName,
  IppTag,
  IppValues,
} from '../src';
import {
  capturedGetPrinterAttributes,
  capturedPrintJob,
  capturedPrintJobDocument,
  everyTagMessage,
} from './ipp-fixtures';

describe('IPP codec', () => {
  describe('requests captured from ipptool', () => {
    it('decodes Get-Printer-Attributes with its 1setOf requested-attributes', () => {
      const { message, dataOffset } = decodeIppMessage(capturedGetPrinterAttributes);
      expect(dataOffset).to.equal(capturedGetPrinterAttributes.length);
      expect(message.version).to.deep.equal({ major: 2, minor: 0 });
      expect(message.code).to.equal(IppOperation.GetPrinterAttributes);
      expect(message.requestId).to.equal(0x1b428);
      const operation = message.operation!;
      expect(operation.attributes.map((a) => a.name)).to.deep.equal([
        'attributes-charset',
        'attributes-natural-language',
        'printer-uri',
        'requesting-user-name',
        'requested-attributes',
      ]);
      expect(operation.getString('printer-uri')).to.equal('ipp://127.0.0.1:35609/printers/Default');
      expect(operation.getStrings('requested-attributes')).to.deep.equal([
        'printer-name',
        'media-col-database',
      ]);
      expect(operation.get('requesting-user-name')!.values[0].tag).to.equal(IppTag.NameWithoutLanguage);
    });

    it('decodes Print-Job with ranges, resolution, a nested collection, and finds the document', () => {
      const { message, dataOffset } = decodeIppMessage(capturedPrintJob);
      expect(capturedPrintJob.subarray(dataOffset)).to.deep.equal(capturedPrintJobDocument);
      const job = message.group(IppTag.JobAttributes)!;
      expect(job.getInteger('copies')).to.equal(2);
      expect(job.get('print-quality')!.values[0]).to.deep.equal({
        kind: 'integer',
        tag: IppTag.Enum,
        value: 4,
      });
      expect(job.get('printer-resolution')!.values[0].value).to.deep.equal({
        crossFeed: 600,
        feed: 600,
        units: 3,
      });
      expect(job.get('page-ranges')!.values.map((v) => v.value)).to.deep.equal([
        { lower: 1, upper: 5 },
        { lower: 7, upper: 9 },
      ]);
      const mediaCol = job.get('media-col')!.values[0];
      expect(mediaCol.kind).to.equal('collection');
      if (mediaCol.kind !== 'collection') return;
      expect(mediaCol.value.map((m) => m.name)).to.deep.equal(['media-size', 'media-type']);
      const size = mediaCol.value[0].values[0];
      expect(size.kind === 'collection' && size.value.map((m) => [m.name, m.values[0].value])).to.deep.equal([
        ['x-dimension', 21000],
        ['y-dimension', 29700],
      ]);
      expect(message.operation!.getBoolean('ipp-attribute-fidelity')).to.equal(false);
    });

    it('re-encodes both captures byte for byte', () => {
      const gpa = decodeIppMessage(capturedGetPrinterAttributes).message;
      expect(encodeIppMessage(gpa).equals(capturedGetPrinterAttributes)).to.equal(true);
      const printJob = decodeIppMessage(capturedPrintJob).message;
      expect(encodeIppMessage(printJob, capturedPrintJobDocument).equals(capturedPrintJob)).to.equal(true);
    });
  });

  describe('round trips', () => {
    it('keeps every value tag, additional values, empty groups and nested collections', () => {
      const original = everyTagMessage();
      const bytes = encodeIppMessage(original);
      const { message, dataOffset } = decodeIppMessage(bytes);
      expect(dataOffset).to.equal(bytes.length);
      expect(message).to.deep.equal(original);
      expect(encodeIppMessage(message).equals(bytes)).to.equal(true);
    });

    it('keeps unknown value tags as octets and out-of-band values with their tags', () => {
      const { message } = decodeIppMessage(encodeIppMessage(everyTagMessage()));
      const printer = message.group(IppTag.PrinterAttributes)!;
      expect(printer.get('vendor-future-type')!.values[0]).to.deep.equal({
        kind: 'octets',
        tag: 0x38,
        value: Buffer.from('future'),
      });
      expect(printer.get('printer-oob-other')!.values.map((v) => [v.kind, v.tag])).to.deep.equal([
        ['outOfBand', IppTag.NotSettable],
        ['outOfBand', 0x1f],
      ]);
      expect(printer.get('vendor-extension')!.values[0].tag).to.equal(IppTag.Extension);
    });

    it('converts dateTime to and from JavaScript dates, honouring the UTC offset', () => {
      const { message } = decodeIppMessage(encodeIppMessage(everyTagMessage()));
      const value = message.find('printer-current-time')!.values[0];
      expect(value.kind).to.equal('dateTime');
      if (value.kind !== 'dateTime') return;
      expect(ippDateTimeToDate(value.value).toISOString()).to.equal('2026-01-31T23:59:58.700Z');
      const east = {
        ...value.value,
        month: 2,
        day: 1,
        hours: 1,
        utcDirection: '+' as const,
        utcHours: 2,
        utcMinutes: 0,
      };
      expect(ippDateTimeToDate(east).toISOString()).to.equal('2026-01-31T23:59:58.700Z');
    });
  });

  describe('exact encodings', () => {
    it('writes the header, a group, an integer and end-of-attributes as RFC 8010 lays them out', () => {
      const message = new IppMessage({ major: 1, minor: 1 }, IppStatus.ClientErrorNotFound, 7);
      message.addGroup(IppTag.JobAttributes).add('job-id', IppValues.integer(258));
      const expected =
        '0101' + '0406' + '00000007' + '02' + '21' + '0006' + '6a6f622d6964' + '0004' + '00000102' + '03';
      expect(encodeIppMessage(message).toString('hex')).to.equal(expected);
    });

    it('writes additional values with an empty name and collections with memberAttrName', () => {
      const message = new IppMessage({ major: 2, minor: 0 }, 0, 1);
      message
        .addGroup(IppTag.PrinterAttributes)
        .add('k', IppValues.keyword('a'), IppValues.keyword('b'))
        .add('c', IppValues.collection([{ name: 'm', values: [IppValues.boolean(true)] }]));
      const hex = encodeIppMessage(message).toString('hex');
      const keywordPart = '44' + '0001' + '6b' + '0001' + '61' + '44' + '0000' + '0001' + '62';
      const collectionPart =
        '34' + '0001' + '63' + '0000' + '4a' + '0000' + '0001' + '6d' + '22' + '0000' + '0001' + '01';
      expect(hex).to.equal(
        '0200000000000001' + '04' + keywordPart + collectionPart + '37' + '0000' + '0000' + '03',
      );
    });

    it('encodes textWithLanguage as two length-prefixed strings inside the value', () => {
      const message = new IppMessage({ major: 2, minor: 0 }, 0, 1);
      message.addGroup(IppTag.JobAttributes).add('t', IppValues.textWithLanguage('en', 'hi'));
      const hex = encodeIppMessage(message).toString('hex');
      expect(hex).to.contain('35' + '0001' + '74' + '0008' + '0002' + '656e' + '0002' + '6869');
    });

    it('refuses to encode a value longer than 32767 bytes', () => {
      const message = new IppMessage({ major: 2, minor: 0 }, 0, 1);
      message.addGroup(IppTag.JobAttributes).add('long', IppValues.text('x'.repeat(32768)));
      expect(() => encodeIppMessage(message)).to.throw(/"long".*over 32767/);
    });
  });

  it('reads the 8-byte header alone and names operations and statuses', () => {
    expect(decodeIppHeader(capturedPrintJob)).to.deep.equal({
      version: { major: 2, minor: 0 },
      code: IppOperation.PrintJob,
      requestId: 0x1b429,
    });
    expect(decodeIppHeader(Buffer.alloc(7))).to.equal(undefined);
    expect(ippOperationName(IppOperation.GetPrinterAttributes)).to.equal('Get-Printer-Attributes');
    expect(ippOperationName(IppOperation.PrintUri)).to.equal('Print-URI');
    expect(ippOperationName(IppOperation.CupsGetDefault)).to.equal('CUPS-Get-Default');
    expect(ippOperationName(0x7777)).to.equal('0x7777');
    expect(ippStatusName(IppStatus.ClientErrorBadRequest)).to.equal('client-error-bad-request');
    expect(ippStatusName(IppStatus.SuccessfulOkIgnoredOrSubstitutedAttributes)).to.equal(
      'successful-ok-ignored-or-substituted-attributes',
    );
  });
});
