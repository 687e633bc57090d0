/**
 * What one IPP request carries through the operation handlers (the decoded message, the document stream, who
 * sent it, how to spell URIs back to this client), and the helpers that read printer and job URIs.
 *
 * URIs are built from the Host header the client used, as CUPS does, so a client that reached us as
 * `printserver.branch.local:631` is told URIs it can use again, not our bind address.
 */
import { type Readable } from 'node:stream';
import { IppMessage, IppStatus, IppTag, IppValues } from '@quire/common';

/** Everything an operation handler needs about the request it answers. */
export interface IppRequestContext {
  request: IppMessage;
  /** The bytes after the attribute section: the document for Print-Job and Send-Document, else empty. */
  document: Readable;
  /** HTTP Basic user when authenticated, else `requesting-user-name`, else null. */
  user: string | null;
  authenticated: boolean;
  clientAddress: string;
  secure: boolean;
  uris: IppUris;
}

/** Builds the printer, job and web URIs a client should see. */
export class IppUris {
  constructor(
    private readonly host: string,
    private readonly ports: { ipp: number; ipps: number | null },
    private readonly secure: boolean,
  ) {}

  /** The printer URI of a queue in the scheme of this connection (or the given one). */
  printer(queueName: string, scheme: 'ipp' | 'ipps' = this.secure ? 'ipps' : 'ipp'): string {
    const port = scheme === 'ipps' ? (this.ports.ipps ?? this.ports.ipp) : this.ports.ipp;
    return `${scheme}://${this.host}:${port}/printers/${encodeURIComponent(queueName)}`;
  }

  /**
   * `printer-uri-supported` with its `uri-security-supported` keyword: the one URI of this connection's
   * scheme, as cupsd answers. CUPS clients (lp, lpstat) copy this attribute into the destination's printer-uri,
   * joining several values with commas into a URI no server understands.
   */
  printerUrisSupported(queueName: string): Array<{ uri: string; security: 'none' | 'tls' }> {
    return [{ uri: this.printer(queueName), security: this.secure ? 'tls' : 'none' }];
  }

  /** Both URIs of a queue, for people (the GET page): plain, and IPPS when it is on. */
  allPrinterUris(queueName: string): string[] {
    const uris = [this.printer(queueName, 'ipp')];
    if (this.ports.ipps !== null) uris.push(this.printer(queueName, 'ipps'));
    return uris;
  }

  /** CUPS-style job URI: `ipp://host:port/jobs/N`. */
  job(jobId: number): string {
    const scheme = this.secure ? 'ipps' : 'ipp';
    const port = this.secure ? this.ports.ipps : this.ports.ipp;
    return `${scheme}://${this.host}:${port}/jobs/${jobId}`;
  }

  /** The human page for a queue (`printer-more-info`). */
  moreInfo(queueName: string): string {
    const scheme = this.secure ? 'https' : 'http';
    const port = this.secure ? this.ports.ipps : this.ports.ipp;
    return `${scheme}://${this.host}:${port}/printers/${encodeURIComponent(queueName)}`;
  }
}

const HOST_NAME = /^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])$/;

/** The host name part of a Host header, when it is a plain host name or address; else `fallback`. */
export function hostNameFromHeader(header: string | undefined, fallback: string): string {
  if (!header) return fallback;
  const host = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0];
  return HOST_NAME.test(host) ? host : fallback;
}

/** The port of a Host header, when it names one. */
export function portFromHeader(header: string | undefined): number | undefined {
  const match = header ? /:(\d{1,5})$/.exec(header) : null;
  const port = match ? Number(match[1]) : NaN;
  return port > 0 && port < 65536 ? port : undefined;
}

function uriPath(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return ['ipp:', 'ipps:', 'http:', 'https:'].includes(url.protocol) ? url.pathname : undefined;
  } catch {
    return undefined;
  }
}

/** The queue a printer URI names: `/printers/NAME` (CUPS), `/classes/NAME` or `/ipp/print/NAME`. */
export function queueNameFromPrinterUri(uri: string): string | undefined {
  const path = uriPath(uri);
  const match = path ? /^\/(?:printers|classes|ipp\/print)\/([^/]+)\/?$/.exec(path) : null;
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

/** True for the server's own URI (`ipp://host/` or `ipp://host/jobs`), which CUPS clients use to list all jobs. */
export function isServerRootUri(uri: string): boolean {
  const path = uriPath(uri);
  return path !== undefined && /^\/(jobs\/?)?$/.test(path);
}

/** The job id a job URI names: `/jobs/N` (CUPS) or `/printers/NAME/N`. */
export function jobIdFromJobUri(uri: string): number | undefined {
  const path = uriPath(uri);
  const match = path ? /\/(\d{1,10})\/?$/.exec(path) : null;
  const id = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(id) && id > 0 && id <= 0x7fffffff ? id : undefined;
}

/** A response to `request` with the operation group every response starts with, and a status-message. */
export function createIppResponse(request: IppMessage, status: number, statusMessage: string): IppMessage {
  const supported = request.version.major === 1 || request.version.major === 2;
  const version = supported ? request.version : { major: 2, minor: 0 };
  const response = new IppMessage({ ...version }, status, request.requestId);
  response
    .addGroup(IppTag.OperationAttributes)
    .add('attributes-charset', IppValues.charset('utf-8'))
    .add('attributes-natural-language', IppValues.naturalLanguage('en'))
    .add('status-message', IppValues.text(statusMessage.slice(0, 255)));
  return response;
}

/** The default status-message of a successful response. */
export function okMessage(status: number): string {
  return status === IppStatus.SuccessfulOkIgnoredOrSubstitutedAttributes
    ? 'Accepted; unsupported attributes were ignored (see the unsupported group).'
    : 'OK';
}
