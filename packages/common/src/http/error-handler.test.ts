/**
 * The error mapping: domain errors keep their status and code, body-parser failures become specific client
 * errors, and anything else becomes a generic 500 that is logged with its stack and request id.
 */
import { expect } from 'chai';
import type { NextFunction, Request, Response } from 'express';
import { PassThrough } from 'node:stream';
import { ErrorCode, QuireError } from '../errors';
import { createLogger } from '../logging/logger';
import { errorBody, errorHandler, toClientError } from './error-handler';

function bodyParserError(
  type: string,
  status: number,
  message = 'parser says no',
  extra: Record<string, unknown> = {},
): Error {
  return Object.assign(new Error(message), { type, status, expose: true, ...extra });
}

/** A minimal response double that records what the handler sent. */
function recordingResponse() {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return res;
    },
    json(body: unknown) {
      sent.body = body;
      return res;
    },
  };
  return { res: res as unknown as Response, sent };
}

describe('toClientError', () => {
  it('keeps a QuireError with its status, code and details', () => {
    const err = new QuireError(ErrorCode.Conflict, 'Site name taken', { details: { name: 'x' } });
    const mapped = toClientError(err);
    expect(mapped).to.equal(err);
    expect(errorBody(mapped)).to.deep.equal({
      error: { code: 'CONFLICT', message: 'Site name taken', details: { name: 'x' } },
    });
  });

  it('omits details when there are none', () => {
    expect(errorBody(new QuireError(ErrorCode.NotFound, 'gone'))).to.deep.equal({
      error: { code: 'NOT_FOUND', message: 'gone' },
    });
  });

  it('maps malformed JSON to 400 BAD_REQUEST', () => {
    const mapped = toClientError(bodyParserError('entity.parse.failed', 400, 'Unexpected token } in JSON'));
    expect(mapped.code).to.equal(ErrorCode.BadRequest);
    expect(mapped.httpStatus).to.equal(400);
    expect(mapped.message).to.equal('Request body is not valid JSON');
  });

  it('maps an oversized body to 413 PAYLOAD_TOO_LARGE, naming the limit of its route', () => {
    const json = toClientError(bodyParserError('entity.too.large', 413, 'too large', { limit: 1048576 }));
    expect(json.code).to.equal(ErrorCode.PayloadTooLarge);
    expect(json.httpStatus).to.equal(413);
    expect(json.message).to.equal('Request body is larger than the 1 MB limit');
    expect(json.details).to.deep.equal({ limitBytes: 1048576 });
    const csv = toClientError(bodyParserError('entity.too.large', 413, 'too large', { limit: 20 * 1048576 }));
    expect(csv.message).to.equal('Request body is larger than the 20 MB limit');
    expect(
      toClientError(bodyParserError('entity.too.large', 413, 'too large', { limit: 512 * 1024 })).message,
    ).to.equal('Request body is larger than the 512 KB limit');
    expect(toClientError(bodyParserError('entity.too.large', 413)).message).to.equal(
      'Request body is larger than the limit for this request',
    );
  });

  it('keeps other body-parser client statuses, such as 415 for an unknown charset', () => {
    const mapped = toClientError(bodyParserError('charset.unsupported', 415, 'unsupported charset "KOI8"'));
    expect(mapped.httpStatus).to.equal(415);
    expect(mapped.message).to.equal('unsupported charset "KOI8"');
  });

  it('hides anything else behind a generic INTERNAL 500', () => {
    const mapped = toClientError(new Error('ER_NO_SUCH_TABLE: users'));
    expect(mapped.code).to.equal(ErrorCode.Internal);
    expect(mapped.httpStatus).to.equal(500);
    expect(mapped.message).not.to.contain('ER_NO_SUCH_TABLE');
  });
});

describe('errorHandler', () => {
  it('sends the JSON body and logs a 500 with its stack and request id', () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const handler = errorHandler(createLogger({ level: 'info', stream }));
    const { res, sent } = recordingResponse();
    const req = { requestId: 'req-1', method: 'GET', originalUrl: '/x?secret=1' } as unknown as Request;
    handler(new Error('boom'), req, res, (() => undefined) as NextFunction);

    expect(sent.status).to.equal(500);
    expect(sent.body).to.deep.equal({
      error: { code: 'INTERNAL', message: 'Internal server error; the server log has the details' },
    });
    const logged = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(logged).to.include({ level: 'error', requestId: 'req-1', path: '/x', error: 'boom' });
    expect(logged.stack).to.contain('Error: boom');
  });

  it('does not log client errors', () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const handler = errorHandler(createLogger({ level: 'info', stream }));
    const { res, sent } = recordingResponse();
    const req = { requestId: 'r', method: 'GET', originalUrl: '/' } as unknown as Request;
    handler(new QuireError(ErrorCode.Forbidden, 'no'), req, res, (() => undefined) as NextFunction);
    expect(sent.status).to.equal(403);
    expect(lines).to.deep.equal([]);
  });

  it('hands over to Express when the response has already started', () => {
    const handler = errorHandler(createLogger({ level: 'error', stream: new PassThrough() }));
    const { res, sent } = recordingResponse();
    (res as unknown as { headersSent: boolean }).headersSent = true;
    let passedOn: unknown;
    const err = new Error('late');
    handler(
      err,
      { method: 'GET', originalUrl: '/' } as Request,
      res,
      ((e: unknown) => (passedOn = e)) as NextFunction,
    );
    expect(passedOn).to.equal(err);
    expect(sent.status).to.equal(undefined);
  });
});
