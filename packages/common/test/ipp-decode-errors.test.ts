/**
 * Malformed IPP input: each kind of damage ends in an IppParseError with a message naming the problem and the
 * IPP status a server should answer, never in another exception.
 */
import { expect } from 'chai';
import {
  decodeIppMessage,
  encodeIppMessage,
  IppMessage,
  IppParseError,
  IppStatus,
  IppTag,
  IppValues,
  type IppValue,
} from '../src';
import { capturedGetPrinterAttributes } from './ipp-fixtures';

function parseError(bytes: Buffer, limits?: Parameters<typeof decodeIppMessage>[1]): IppParseError {
  try {
    decodeIppMessage(bytes, limits);
  } catch (err) {
    expect(err).to.be.instanceOf(IppParseError);
    return err as IppParseError;
  }
  throw new Error('expected an IppParseError');
}

const header = '0200000b00000001';
const hexOf = (text: string) => Buffer.from(text).toString('hex');
const len = (n: number) => n.toString(16).padStart(4, '0');
const attr = (tag: string, name: string, valueHex: string) =>
  tag + len(name.length) + hexOf(name) + len(valueHex.length / 2) + valueHex;

function nested(depth: number): IppValue {
  let value = IppValues.collection([{ name: 'leaf', values: [IppValues.integer(1)] }]);
  for (let i = 1; i < depth; i++) value = IppValues.collection([{ name: `level${i}`, values: [value] }]);
  return value;
}

describe('IPP decoder on malformed input', () => {
  it('reports a truncated message as truncated bad-request, with the header when it was readable', () => {
    const error = parseError(capturedGetPrinterAttributes.subarray(0, 50));
    expect(error.truncated).to.equal(true);
    expect(error.ippStatus).to.equal(IppStatus.ClientErrorBadRequest);
    expect(error.message).to.match(/truncated/);
    expect(error.header?.requestId).to.equal(0x1b428);
    expect(parseError(Buffer.from('0200', 'hex')).message).to.match(/header needs 8 bytes, got 2/);
  });

  it('reports a missing end-of-attributes tag', () => {
    const error = parseError(
      capturedGetPrinterAttributes.subarray(0, capturedGetPrinterAttributes.length - 1),
    );
    expect(error.truncated).to.equal(true);
  });

  it('rejects a value length beyond the end of the input', () => {
    const bytes = Buffer.from(
      header + '01' + '47' + len(18) + hexOf('attributes-charset') + '0050' + '7574',
      'hex',
    );
    expect(parseError(bytes).message).to.match(/value of "attributes-charset" needs 80 bytes, 2 left/);
  });

  it('rejects negative (over 32767) name and value lengths', () => {
    expect(parseError(Buffer.from(header + '01' + '47' + 'ffff', 'hex')).message).to.match(
      /name length 65535/,
    );
    const badValue = header + '01' + '47' + len(1) + '61' + '8000';
    expect(parseError(Buffer.from(badValue, 'hex')).message).to.match(/value length 32768 is over 32767/);
  });

  it('rejects wrong fixed lengths for integer, boolean, dateTime, resolution and rangeOfInteger', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['21', '000001', /integer value of "x" has 3 bytes, expected 4/],
      ['23', '0000000001', /enum value of "x" has 5 bytes/],
      ['22', '0101', /boolean value of "x" has 2 bytes/],
      ['22', '02', /boolean value of "x" is 2/],
      ['31', '07ea01', /dateTime value of "x" has 3 bytes, expected 11/],
      ['31', '07ea010203040506' + '3f' + '0000', /UTC direction 0x3f/],
      ['32', '0000', /resolution value of "x" has 2 bytes, expected 9/],
      ['33', '00000001', /rangeOfInteger value of "x" has 4 bytes, expected 8/],
      ['35', '0002656e0005', /inner lengths of "x" do not add up/],
    ];
    for (const [tag, value, pattern] of cases) {
      const bytes = Buffer.from(header + '04' + attr(tag, 'x', value) + '03', 'hex');
      const error = parseError(bytes);
      expect(error.message, tag).to.match(pattern);
      expect(error.ippStatus).to.equal(IppStatus.ClientErrorBadRequest);
    }
  });

  it('rejects attributes before a group, stray additional values and reserved delimiter 0x00', () => {
    expect(parseError(Buffer.from(header + attr('44', 'k', '61') + '03', 'hex')).message).to.match(
      /before any group tag/,
    );
    expect(parseError(Buffer.from(header + '01' + attr('44', '', '61') + '03', 'hex')).message).to.match(
      /additional value without an attribute/,
    );
    expect(parseError(Buffer.from(header + '00' + '03', 'hex')).message).to.match(
      /reserved delimiter tag 0x00/,
    );
  });

  it('rejects broken collections: unclosed, named members, values without a member name, empty members', () => {
    const open = '34' + len(1) + '63' + '0000';
    const member = (name: string) => '4a' + '0000' + len(name.length) + hexOf(name);
    const int = '21' + '0000' + '0004' + '00000001';
    const end = '37' + '0000' + '0000';
    const wrap = (body: string) => Buffer.from(header + '04' + body, 'hex');
    expect(parseError(wrap(open + member('m') + int + '03')).message).to.match(
      /collection "c" is not closed/,
    );
    expect(parseError(wrap(open + member('m') + int)).truncated).to.equal(true);
    expect(parseError(wrap(open + attr('21', 'named', '00000001') + end + '03')).message).to.match(
      /holds a named attribute instead of a member/,
    );
    expect(parseError(wrap(open + int + end + '03')).message).to.match(/without a memberAttrName/);
    expect(parseError(wrap(open + member('m') + end + '03')).message).to.match(
      /member "m" of "c" has no value/,
    );
    expect(parseError(wrap(open + member('') + int + end + '03')).message).to.match(/empty member name/);
    expect(parseError(wrap(end + '03')).message).to.match(/endCollection outside a collection/);
    expect(parseError(wrap(member('m') + '03')).message).to.match(/memberAttrName outside a collection/);
  });

  it('stops collections nested deeper than the limit', () => {
    const message = new IppMessage({ major: 2, minor: 0 }, 0, 1);
    message.addGroup(IppTag.JobAttributes).add('deep', nested(12));
    const bytes = encodeIppMessage(message);
    expect(parseError(bytes).message).to.match(/nested deeper than 10 levels/);
    expect(() =>
      decodeIppMessage(bytes, { maxBytes: 1 << 20, maxAttributes: 100, maxValues: 100, maxDepth: 12 }),
    ).not.to.throw();
  });

  it('answers request-entity-too-large for too many attributes, values or bytes', () => {
    const message = new IppMessage({ major: 2, minor: 0 }, 0, 1);
    const group = message.addGroup(IppTag.JobAttributes);
    for (let i = 0; i < 50; i++) group.add(`a${i}`, IppValues.integer(i), IppValues.integer(i));
    const bytes = encodeIppMessage(message);
    const limits = { maxBytes: 1 << 20, maxAttributes: 40, maxValues: 1000, maxDepth: 4 };
    const tooMany = parseError(bytes, limits);
    expect(tooMany.message).to.match(/more than 40 attributes/);
    expect(tooMany.ippStatus).to.equal(IppStatus.ClientErrorRequestEntityTooLarge);
    expect(parseError(bytes, { ...limits, maxAttributes: 100, maxValues: 60 }).message).to.match(
      /more than 60 values/,
    );
    const tooBig = parseError(bytes, { ...limits, maxAttributes: 100, maxBytes: 200 });
    expect(tooBig.message).to.match(/larger than 200 bytes/);
    expect(tooBig.code).to.equal('PAYLOAD_TOO_LARGE');
  });
});
