/**
 * Printer device URIs in the CUPS spelling (`socket://`, `lpd://`, `ipp://`, `ipps://`), parsed into the
 * OutputTarget a driver takes and formatted back. Admins paste these from CUPS, printer web pages and vendor
 * manuals, so every rejection says exactly which part to fix.
 *
 * Choices, as CUPS makes them: AppSocket defaults to port 9100, LPD to 515, and both IPP and IPPS to 631 (IPPS
 * is IPP over TLS on the IPP port, not HTTPS on 443). Host names are case-insensitive and kept in lower case.
 * Query options (`?waiteof=false`, `?reserve=none`, ...) steer CUPS backends, not Quire, and are rejected rather
 * than silently ignored. Credentials in a URI are rejected too: they would end up in logs and the database.
 */
import { isIP } from 'node:net';
import { ErrorCode, QuireError } from '@quire/common';
import { type OutputTarget } from './output-driver';

/** The port each protocol uses when the URI names none. */
export const DEFAULT_PRINTER_PORTS: Readonly<Record<OutputTarget['protocol'], number>> = {
  raw: 9100,
  lpr: 515,
  ipp: 631,
  ipps: 631,
};

const SCHEMES: Readonly<Record<string, OutputTarget['protocol']>> = {
  socket: 'raw',
  lpd: 'lpr',
  ipp: 'ipp',
  ipps: 'ipps',
};

const SCHEME_OF: Readonly<Record<OutputTarget['protocol'], string>> = {
  raw: 'socket',
  lpr: 'lpd',
  ipp: 'ipp',
  ipps: 'ipps',
};

const EXAMPLES =
  'socket://printer.example:9100, lpd://printer.example/queue or ipp://printer.example/ipp/print';
const HOST_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** An LPD queue name goes on a command line that ends at LF and splits at spaces. */
const LPD_QUEUE = /^[\x21-\x7e]{1,127}$/;
/** Path characters allowed unencoded in an HTTP request target (RFC 3986 pchar, plus '/'). */
const IPP_PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

function invalid(uri: string, problem: string): never {
  throw new QuireError(ErrorCode.PrinterUriInvalid, `printer URI "${uri}" ${problem}`, {
    details: { uri },
  });
}

interface UriParts {
  protocol: OutputTarget['protocol'];
  host: string;
  port: number;
  /** Everything from the first '/' after the authority, or ''. */
  path: string;
}

function splitUri(uri: string): UriParts {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\s\x00-\x1f\x7f]/.test(uri)) invalid(uri, 'contains spaces or control characters; remove them');
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)([?#].*)?$/.exec(uri);
  if (!match) invalid(uri, `is not a device URI; write it as ${EXAMPLES}`);
  const [, scheme, authority, path, extra] = match;
  const protocol = SCHEMES[scheme.toLowerCase()];
  if (!protocol) {
    invalid(uri, `has scheme "${scheme}", which Quire cannot print to; use socket, lpd, ipp or ipps`);
  }
  if (extra) {
    invalid(uri, `has options "${extra}", which Quire does not use; remove everything from "${extra[0]}"`);
  }
  if (authority.includes('@')) {
    invalid(uri, 'contains a user name or password; remove the part before "@"');
  }
  const { host, port } = splitAuthority(uri, authority, protocol);
  return { protocol, host, port, path };
}

function splitAuthority(
  uri: string,
  authority: string,
  protocol: OutputTarget['protocol'],
): { host: string; port: number } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(authority);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    host = parseIpv6(uri, bracketed[1]);
    portText = bracketed[2];
  } else {
    if (authority.split(':').length > 2) {
      invalid(uri, 'has an IPv6 address without brackets; write it as [address], e.g. ipp://[fe80::1]:631/');
    }
    const colon = authority.indexOf(':');
    host = parseHostName(uri, colon < 0 ? authority : authority.slice(0, colon));
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
  }
  return { host, port: parsePort(uri, portText, protocol) };
}

function parseIpv6(uri: string, literal: string): string {
  // A zone ("%eth0") is written %25eth0 inside a URI (RFC 6874).
  const address = literal.replace(/%25/i, '%');
  if (isIP(address) !== 6) invalid(uri, `has "[${literal}]", which is not an IPv6 address`);
  return address.toLowerCase();
}

function parseHostName(uri: string, host: string): string {
  if (host === '') invalid(uri, `names no printer host; write it as ${EXAMPLES}`);
  const name = host.toLowerCase().replace(/\.$/, '');
  if (isIP(name) === 4) return name;
  if (name.length > 253 || !name.split('.').every((label) => HOST_LABEL.test(label))) {
    invalid(uri, `has host "${host}", which is neither a host name nor an IPv4 address`);
  }
  return name;
}

function parsePort(uri: string, text: string | undefined, protocol: OutputTarget['protocol']): number {
  if (text === undefined || text === '') return DEFAULT_PRINTER_PORTS[protocol];
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) invalid(uri, `has port "${text}"; use a number from 1 to 65535`);
  return port;
}

function lpdQueue(uri: string, path: string): string {
  const encoded = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (encoded === '') invalid(uri, 'names no LPD queue; add it as the path, e.g. lpd://printer.example/raw');
  if (encoded.includes('/')) invalid(uri, `has LPD queue "${encoded}"; a queue name cannot contain "/"`);
  let queue: string;
  try {
    queue = decodeURIComponent(encoded);
  } catch {
    invalid(uri, `has LPD queue "${encoded}" with a broken %-escape; write %XX with two hex digits`);
  }
  if (!LPD_QUEUE.test(queue)) {
    invalid(uri, `has LPD queue "${queue}"; use 1 to 127 printable ASCII characters without spaces`);
  }
  return queue;
}

function ippPath(uri: string, path: string): string {
  if (path === '' || path === '/') {
    invalid(uri, "names no IPP resource; add the printer's path, e.g. /ipp/print");
  }
  if (!IPP_PATH.test(path)) {
    invalid(uri, `has path "${path}" with characters that must be %-encoded; encode them as %XX`);
  }
  return path;
}

/**
 * Parse a CUPS-style device URI (`socket://host[:port]`, `lpd://host[:port]/queue`,
 * `ipp://host[:port]/path`, `ipps://host[:port]/path`; IPv6 hosts in brackets) into an OutputTarget, with the
 * protocol's default port when none is given. Throws QuireError PRINTER_URI_INVALID, naming the part to fix,
 * for anything else: another scheme, a missing host, queue or path, a bad port, options or credentials.
 */
export function parsePrinterUri(uri: string): OutputTarget {
  const trimmed = uri.trim();
  const { protocol, host, port, path } = splitUri(trimmed);
  switch (protocol) {
    case 'raw':
      if (path !== '' && path !== '/') {
        invalid(trimmed, `has path "${path}", but an AppSocket (socket://) printer takes none; remove it`);
      }
      return { protocol, host, port };
    case 'lpr':
      return { protocol, host, port, queue: lpdQueue(trimmed, path) };
    case 'ipp':
    case 'ipps':
      return { protocol, host, port, path: ippPath(trimmed, path) };
  }
}

/** The host as it appears in a URI or an HTTP Host header: IPv6 addresses in brackets, zones as %25. */
function uriHost(host: string): string {
  return host.includes(':') ? `[${host.replace('%', '%25')}]` : host;
}

/**
 * The device URI of `target`, the inverse of {@link parsePrinterUri}: `parsePrinterUri(formatPrinterUri(t))`
 * equals `t`. The port is always written, even the default one, because tools disagree on defaults (IPPS on
 * 631 or 443) and an explicit port reads the same in every tool.
 */
export function formatPrinterUri(target: OutputTarget): string {
  const base = `${SCHEME_OF[target.protocol]}://${uriHost(target.host)}:${target.port}`;
  switch (target.protocol) {
    case 'raw':
      return base;
    case 'lpr':
      return `${base}/${encodeURIComponent(target.queue)}`;
    case 'ipp':
    case 'ipps':
      return `${base}${target.path}`;
  }
}
