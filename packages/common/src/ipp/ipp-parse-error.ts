/**
 * The one error the IPP decoder throws for bad input, carrying the IPP status a server should answer with and,
 * when the 8-byte header was readable, the request's version and id so the error response can echo them.
 */
import { ErrorCode, QuireError } from '../errors';
import { IppStatus } from './ipp-types';

/** The fixed 8-byte header of an IPP message. */
export interface IppHeader {
  version: { major: number; minor: number };
  /** Operation id in a request, status code in a response. */
  code: number;
  requestId: number;
}

/**
 * Malformed IPP input: truncated, bad lengths, unclosed collections, or over a decoding limit. `ippStatus` is
 * `client-error-bad-request` for malformed bytes and `client-error-request-entity-too-large` for limits;
 * `offset` is where in the message the problem was found.
 */
export class IppParseError extends QuireError {
  readonly ippStatus: number;
  readonly offset: number;
  /** True when the input simply ended early: a streaming reader may wait for more bytes. */
  readonly truncated: boolean;
  header: IppHeader | undefined;

  constructor(
    message: string,
    options: { offset: number; ippStatus?: number; truncated?: boolean; header?: IppHeader },
  ) {
    const ippStatus = options.ippStatus ?? IppStatus.ClientErrorBadRequest;
    const tooLarge = ippStatus === IppStatus.ClientErrorRequestEntityTooLarge;
    super(tooLarge ? ErrorCode.PayloadTooLarge : ErrorCode.BadRequest, `bad IPP message: ${message}`, {
      details: { offset: options.offset },
    });
    this.name = 'IppParseError';
    this.ippStatus = ippStatus;
    this.offset = options.offset;
    this.truncated = options.truncated ?? false;
    this.header = options.header;
  }
}
