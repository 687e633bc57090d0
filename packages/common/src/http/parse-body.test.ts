/**
 * parseBody: typed success, and VALIDATION_FAILED errors that name each bad field and what it expects.
 */
import { expect } from 'chai';
import { z } from 'zod';
import { ErrorCode, QuireError } from '../errors';
import { parseBody } from './parse-body';

const schema = z.object({
  username: z.string().min(1),
  port: z.number().int(),
  mode: z.enum(['hold', 'direct']),
  nested: z.object({ name: z.string() }),
});

function validationError(body: unknown): QuireError {
  try {
    parseBody(schema, body);
  } catch (err) {
    expect(err).to.be.instanceOf(QuireError);
    return err as QuireError;
  }
  throw new Error('parseBody accepted an invalid body');
}

describe('parseBody', () => {
  it('returns the parsed value for a valid body', () => {
    const value = parseBody(schema, { username: 'ann', port: 631, mode: 'hold', nested: { name: 'x' } });
    expect(value).to.deep.equal({ username: 'ann', port: 631, mode: 'hold', nested: { name: 'x' } });
  });

  it('names every bad field and what it expects', () => {
    const err = validationError({ username: '', port: 1.5, mode: 'later', nested: {} });
    expect(err.code).to.equal(ErrorCode.ValidationFailed);
    expect(err.httpStatus).to.equal(400);
    expect(err.message).to.match(/^Request body is invalid: /);
    expect(err.message).to.contain('username: Too small');
    expect(err.message).to.contain('port: Invalid input: expected int');
    expect(err.message).to.contain('mode: Invalid option: expected one of "hold"|"direct"');
    expect(err.message).to.contain('nested.name: is required (expected string)');
    const fields = (err.details?.fields as { field: string }[]).map((f) => f.field);
    expect(fields).to.deep.equal(['username', 'port', 'mode', 'nested.name']);
  });

  it('says a missing field is required', () => {
    const err = validationError({ port: 1, mode: 'hold', nested: { name: 'n' } });
    expect(err.message).to.equal('Request body is invalid: username: is required (expected string)');
  });

  it('rejects a body that is not an object', () => {
    const err = validationError([1, 2]);
    expect(err.message).to.contain('(body): Invalid input: expected object, received array');
  });

  it('explains a missing body (no JSON content type)', () => {
    const err = validationError(undefined);
    expect(err.code).to.equal(ErrorCode.ValidationFailed);
    expect(err.message).to.contain('Content-Type: application/json');
  });
});
