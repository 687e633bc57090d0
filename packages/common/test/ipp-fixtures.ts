/**
 * IPP test fixtures: requests captured from the real `ipptool` (CUPS 2.4.2) by a one-off TCP listener, and a
 * message that uses every value tag, for round-trip and fuzz tests.
 */
import { IppMessage, IppTag, IppValues } from '../src';

/** ipptool's Get-Printer-Attributes, requested-attributes printer-name,media-col-database, user alice. */
export const capturedGetPrinterAttributes = Buffer.from(
  '0200000b0001b42801470012617474726962757465732d6368617273657400057574662d3848001b6174747269627574' +
    '65732d6e61747572616c2d6c616e67756167650002656e45000b7072696e7465722d75726900266970703a2f2f313237' +
    '2e302e302e313a33353630392f7072696e746572732f44656661756c7442001472657175657374696e672d757365722d' +
    '6e616d650005616c6963654400147265717565737465642d61747472696275746573000c7072696e7465722d6e616d65' +
    '44000000126d656469612d636f6c2d646174616261736503',
  'hex',
);

/**
 * ipptool's Print-Job with copies, print-quality, printer-resolution, page-ranges (two ranges), sides and a
 * nested media-col collection, followed by the 15-byte document "hello document\n".
 */
export const capturedPrintJob = Buffer.from(
  '020000020001b42901470012617474726962757465732d6368617273657400057574662d3848001b6174747269627574' +
    '65732d6e61747572616c2d6c616e67756167650002656e45000b7072696e7465722d75726900266970703a2f2f313237' +
    '2e302e302e313a33353630392f7072696e746572732f44656661756c7442001472657175657374696e672d757365722d' +
    '6e616d650005616c6963654200086a6f622d6e616d650010517561727465726c79207265706f72742200166970702d61' +
    '74747269627574652d666964656c69747900010049000f646f63756d656e742d666f726d6174000f6170706c69636174' +
    '696f6e2f70646602210006636f7069657300040000000223000d7072696e742d7175616c697479000400000004320012' +
    '7072696e7465722d7265736f6c7574696f6e000900000258000002580333000b706167652d72616e6765730008000000' +
    '0100000005330000000800000007000000094400057369646573001374776f2d73696465642d6c6f6e672d6564676534' +
    '00096d656469612d636f6c00004a0000000a6d656469612d73697a6534000000004a0000000b782d64696d656e73696f' +
    '6e2100000004000052084a0000000b792d64696d656e73696f6e21000000040000740437000000004a0000000a6d6564' +
    '69612d74797065440000000a73746174696f6e65727937000000000368656c6c6f20646f63756d656e740a',
  'hex',
);

/** The document that follows the attribute section of `capturedPrintJob`. */
export const capturedPrintJobDocument = Buffer.from('hello document\n');

/** A response-shaped message using every value tag, additional values and a three-level collection. */
export function everyTagMessage(): IppMessage {
  const message = new IppMessage({ major: 2, minor: 0 }, 0x0001, 42);
  message
    .addGroup(IppTag.OperationAttributes)
    .add('attributes-charset', IppValues.charset('utf-8'))
    .add('attributes-natural-language', IppValues.naturalLanguage('en'))
    .add('status-message', IppValues.textWithLanguage('fr', 'réussi'));
  const printer = message.addGroup(IppTag.PrinterAttributes);
  printer
    .add('copies-default', IppValues.integer(-7))
    .add('color-supported', IppValues.boolean(true), IppValues.boolean(false))
    .add('printer-state', IppValues.enum(3))
    .add('job-password', IppValues.octetString(Buffer.from([0, 1, 2, 255])))
    .add('printer-current-time', IppValues.dateTime(new Date(Date.UTC(2026, 0, 31, 23, 59, 58, 700))))
    .add('printer-resolution-default', IppValues.resolution(600, 1200, 4))
    .add('copies-supported', IppValues.range(1, 999), IppValues.range(-5, 5))
    .add('printer-name', IppValues.nameWithLanguage('de', 'Drücker'), IppValues.name('plain'))
    .add('printer-info', IppValues.text('Ünïcode text'))
    .add('sides-supported', IppValues.keyword('one-sided'), IppValues.keyword('two-sided-long-edge'))
    .add('printer-uri-supported', IppValues.uri('ipp://h/printers/A'))
    .add('reference-uri-schemes-supported', IppValues.uriScheme('https'))
    .add('charset-supported', IppValues.charset('utf-8'))
    .add('generated-natural-language-supported', IppValues.naturalLanguage('en-us'))
    .add('document-format-supported', IppValues.mimeMediaType('application/pdf'))
    .add('printer-geo-location', IppValues.unknown())
    .add('job-k-octets-supported', IppValues.unsupported())
    .add('media-default', IppValues.noValue())
    .add('printer-oob-other', IppValues.outOfBand(IppTag.NotSettable), IppValues.outOfBand(0x1f))
    .add('vendor-future-type', IppValues.raw(0x38, Buffer.from('future')))
    .add('vendor-extension', IppValues.raw(IppTag.Extension, Buffer.from([0x40, 0, 0, 1, 9, 9])))
    .add(
      'media-col-default',
      IppValues.collection([
        {
          name: 'media-size',
          values: [
            IppValues.collection([
              { name: 'x-dimension', values: [IppValues.integer(21000)] },
              { name: 'y-dimension', values: [IppValues.integer(29700)] },
              {
                name: 'nested',
                values: [IppValues.collection([{ name: 'leaf', values: [IppValues.keyword('x')] }])],
              },
            ]),
          ],
        },
        { name: 'media-source-properties', values: [IppValues.keyword('a'), IppValues.keyword('b')] },
        { name: 'media-type', values: [IppValues.keyword('stationery')] },
      ]),
      IppValues.collection([]),
    );
  message.addGroup(IppTag.JobAttributes);
  message.addGroup(IppTag.UnsupportedAttributes).add('finishings', IppValues.enum(99));
  return message;
}

/** The seeded generator fuzz runs use, so they are reproducible from their seed. */
export { seededRandom } from '@quire/testkit';

/**
 * One mutation of `input`: a bit flip, a truncation, a tampered length field, a random splice from `donor`,
 * a duplicated or deleted span. Lengths and offsets come from `random`, so a seed replays the same inputs.
 */
export function mutate(input: Buffer, donor: Buffer, random: () => number): Buffer {
  const at = (length: number) => Math.floor(random() * Math.max(1, length));
  const out = Buffer.from(input);
  switch (at(6)) {
    case 0: {
      const flips = 1 + at(4);
      for (let i = 0; i < flips; i++) out[at(out.length)] ^= 1 << at(8);
      return out;
    }
    case 1:
      return out.subarray(0, at(out.length));
    case 2: {
      if (out.length < 2) return out;
      const offset = at(out.length - 1);
      const choices = [0x0000, 0x0001, 0x7fff, 0x8000, 0xffff, out.readUInt16BE(offset) + 1 + at(16)];
      out.writeUInt16BE(choices[at(choices.length)] & 0xffff, offset);
      return out;
    }
    case 3: {
      const start = at(donor.length);
      const piece = donor.subarray(start, start + 1 + at(64));
      const offset = at(out.length);
      return Buffer.concat([out.subarray(0, offset), piece, out.subarray(offset + at(8))]);
    }
    case 4: {
      const start = at(out.length);
      const span = out.subarray(start, start + 1 + at(32));
      return Buffer.concat([out.subarray(0, start), span, span, out.subarray(start + span.length)]);
    }
    default: {
      const start = at(out.length);
      return Buffer.concat([out.subarray(0, start), out.subarray(start + 1 + at(16))]);
    }
  }
}
