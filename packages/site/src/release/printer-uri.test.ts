/**
 * Device URI parsing: every scheme with and without ports, IPv6 literals, the inverse formatter, and a
 * specific PRINTER_URI_INVALID message for each kind of mistake an admin makes when pasting a URI.
 */
import { expect } from 'chai';
import { ErrorCode, QuireError } from '@quire/common';
import { type OutputTarget } from './output-driver';
import { formatPrinterUri, parsePrinterUri } from './printer-uri';

function rejection(uri: string): QuireError {
  try {
    parsePrinterUri(uri);
  } catch (err) {
    expect(err).to.be.instanceOf(QuireError);
    expect((err as QuireError).code).to.equal(ErrorCode.PrinterUriInvalid);
    return err as QuireError;
  }
  throw new Error(`${uri} was accepted`);
}

describe('printer URIs', () => {
  describe('parsePrinterUri', () => {
    const cases: [string, OutputTarget][] = [
      ['socket://10.0.0.5', { protocol: 'raw', host: '10.0.0.5', port: 9100 }],
      [
        'socket://Printer-01.Branch.example:9101/',
        { protocol: 'raw', host: 'printer-01.branch.example', port: 9101 },
      ],
      ['SOCKET://printer', { protocol: 'raw', host: 'printer', port: 9100 }],
      ['lpd://printer/raw', { protocol: 'lpr', host: 'printer', port: 515, queue: 'raw' }],
      ['lpd://printer:5515/PASSTHRU/', { protocol: 'lpr', host: 'printer', port: 5515, queue: 'PASSTHRU' }],
      ['lpd://printer/lp%231', { protocol: 'lpr', host: 'printer', port: 515, queue: 'lp#1' }],
      ['ipp://printer/ipp/print', { protocol: 'ipp', host: 'printer', port: 631, path: '/ipp/print' }],
      [
        'ipp://printer:8631/printers/Hall%20A',
        { protocol: 'ipp', host: 'printer', port: 8631, path: '/printers/Hall%20A' },
      ],
      ['ipps://printer/ipp/print', { protocol: 'ipps', host: 'printer', port: 631, path: '/ipp/print' }],
      [
        'ipps://printer:443/ipp/secure',
        { protocol: 'ipps', host: 'printer', port: 443, path: '/ipp/secure' },
      ],
      ['socket://[::1]', { protocol: 'raw', host: '::1', port: 9100 }],
      [
        'ipp://[2001:DB8::7]:8631/ipp/print',
        { protocol: 'ipp', host: '2001:db8::7', port: 8631, path: '/ipp/print' },
      ],
      ['lpd://[fe80::1%25eth0]/q', { protocol: 'lpr', host: 'fe80::1%eth0', port: 515, queue: 'q' }],
      ['  socket://printer.example.  ', { protocol: 'raw', host: 'printer.example', port: 9100 }],
      ['socket://printer:', { protocol: 'raw', host: 'printer', port: 9100 }],
      ['socket://win_host', { protocol: 'raw', host: 'win_host', port: 9100 }],
    ];
    for (const [uri, target] of cases) {
      it(`parses ${uri.trim()}`, () => {
        expect(parsePrinterUri(uri)).to.deep.equal(target);
      });
    }
  });

  describe('formatPrinterUri', () => {
    it('writes every protocol with an explicit port and brackets around IPv6 hosts', () => {
      expect(formatPrinterUri({ protocol: 'raw', host: 'p', port: 9100 })).to.equal('socket://p:9100');
      expect(formatPrinterUri({ protocol: 'lpr', host: '::1', port: 515, queue: 'lp#1' })).to.equal(
        'lpd://[::1]:515/lp%231',
      );
      expect(
        formatPrinterUri({ protocol: 'ipps', host: 'fe80::1%eth0', port: 631, path: '/ipp/print' }),
      ).to.equal('ipps://[fe80::1%25eth0]:631/ipp/print');
    });

    it('is the inverse of parsePrinterUri', () => {
      for (const uri of [
        'socket://[::1]:9100',
        'lpd://printer:515/a.b_c-d',
        'lpd://printer:515/x%25y',
        'ipp://10.1.2.3:631/printers/Hall%20A',
        'ipps://[fe80::1%25eth0]:631/ipp/print',
      ]) {
        const target = parsePrinterUri(uri);
        expect(parsePrinterUri(formatPrinterUri(target))).to.deep.equal(target);
      }
    });
  });

  describe('rejections', () => {
    const cases: [string, RegExp][] = [
      ['', /not a device URI/],
      ['printer.example:9100', /not a device URI/],
      ['http://printer/ipp/print', /scheme "http".*socket, lpd, ipp or ipps/],
      ['usb://HP/LaserJet', /scheme "usb"/],
      ['socket://', /names no printer host/],
      ['socket://:9100', /names no printer host/],
      ['socket://printer:0', /port "0"; use a number from 1 to 65535/],
      ['socket://printer:65536', /port "65536"/],
      ['socket://printer:91x0', /port "91x0"/],
      ['socket://printer/queue', /AppSocket .* takes none/],
      ['socket://printer?waiteof=false', /options "\?waiteof=false".*remove everything from "\?"/],
      ['ipp://printer/ipp/print#frag', /options "#frag"/],
      ['ipp://admin:secret@printer/ipp/print', /user name or password/],
      ['ipp://fe80::1/ipp/print', /IPv6 address without brackets/],
      ['ipp://[not-v6]/ipp/print', /not an IPv6 address/],
      ['ipp://printer', /no IPP resource.*\/ipp\/print/],
      ['ipp://printer/', /no IPP resource/],
      ['ipp://printer/a"b', /must be %-encoded/],
      ['lpd://printer', /no LPD queue/],
      ['lpd://printer/a/b', /cannot contain "\/"/],
      ['lpd://printer/%zz', /broken %-escape/],
      ['lpd://printer/a%20b', /without spaces/],
      ['socket://printer name', /spaces or control characters/],
      ['socket://-bad-.example', /neither a host name nor an IPv4 address/],
    ];
    for (const [uri, message] of cases) {
      it(`rejects "${uri}" saying what to fix`, () => {
        const error = rejection(uri);
        expect(error.message).to.match(message);
        expect(error.httpStatus).to.equal(400);
      });
    }
  });
});
