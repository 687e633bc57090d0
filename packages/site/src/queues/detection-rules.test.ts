/**
 * Unit tests of what a queue may be saved with: detection rule validation (bad regexes, unknown kinds,
 * catastrophic patterns, over-long patterns), queue names, and the VALIDATION_FAILED errors naming the field.
 */
import { expect } from 'chai';
import { ErrorCode, isQuireError, type QuireError } from '@quire/common';
import {
  defaultDetectionRules,
  detectionRulesSchema,
  hasNestedQuantifier,
  MAX_PATTERN_LENGTH,
  normalisePjlVariable,
  patternProblem,
} from './detection-rules';
import { checkNewQueue, checkQueuePatch, type NewQueue } from './queue-input';

function failure(fn: () => unknown): QuireError {
  try {
    fn();
  } catch (err) {
    if (isQuireError(err, ErrorCode.ValidationFailed)) return err;
    throw err;
  }
  throw new Error('expected VALIDATION_FAILED');
}

function fieldsOf(err: QuireError): string[] {
  return (err.details?.fields as Array<{ field: string }>).map((f) => f.field);
}

describe('detection rules', () => {
  it('default to PJL USERNAME, then the sender', () => {
    expect(defaultDetectionRules()).to.deep.equal([
      { kind: 'pjl', variable: 'USERNAME' },
      { kind: 'sender' },
    ]);
    expect(detectionRulesSchema.safeParse(defaultDetectionRules()).success).to.equal(true);
  });

  it('accept every rule kind, including sender-if around each source', () => {
    const rules = [
      { kind: 'sender', pattern: '^([^@]+)' },
      { kind: 'pjl', variable: 'JOB NAME', pattern: '([^.]+)' },
      { kind: 'job-name', pattern: '(?<=user:)\\w+' },
      { kind: 'sender-if', sender: 'SYSTEM', then: { kind: 'job-name', pattern: '^(\\w+)_' } },
      { kind: 'sender-if', sender: 'SYSTEM', then: { kind: 'pjl', variable: 'USERNAME' } },
    ];
    expect(detectionRulesSchema.safeParse(rules).success).to.equal(true);
  });

  it('normalise PJL variable names like the reader', () => {
    expect(normalisePjlVariable(' set username ')).to.equal('USERNAME');
    expect(normalisePjlVariable('@PJL SET JOBATTR')).to.equal('JOBATTR');
    expect(normalisePjlVariable('Job Name')).to.equal('JOB NAME');
  });

  it('spot nested repetition and leave ordinary patterns alone', () => {
    for (const bad of ['(a+)+', '(\\w*)*', '(x+){2,}', '((ab)*c)+', '(?:a|b+)*$', '(a+){1,100}']) {
      expect(hasNestedQuantifier(bad), bad).to.equal(true);
    }
    for (const ok of [
      '^(\\w+)_',
      '(?<=user:)\\w+',
      '([^@]+)',
      '(a)+',
      '[(+]+',
      '\\(a+\\)+',
      '(a+)?',
      '(\\d{2,})',
    ]) {
      expect(hasNestedQuantifier(ok), ok).to.equal(false);
    }
  });

  it('describe each pattern problem', () => {
    expect(patternProblem('^(\\w+)$')).to.equal(null);
    expect(patternProblem('')).to.equal('must not be empty');
    expect(patternProblem('(')).to.match(/^is not a valid regular expression/);
    expect(patternProblem('a'.repeat(MAX_PATTERN_LENGTH + 1))).to.equal('must be at most 512 characters');
    expect(patternProblem('(a+)+$')).to.match(/exponential/);
  });
});

describe('checkNewQueue and checkQueuePatch', () => {
  const base: NewQueue = { name: 'Sales', type: 'pull' };

  it('pass good settings through', () => {
    expect(checkNewQueue({ ...base, rawPort: 9100, userDetection: [{ kind: 'sender' }] })).to.deep.equal({
      ...base,
      rawPort: 9100,
      userDetection: [{ kind: 'sender' }],
    });
    expect(checkQueuePatch({ online: false })).to.deep.equal({ online: false });
  });

  it('name the index of a bad rule in the message and the fields', () => {
    const err = failure(() =>
      checkNewQueue({
        ...base,
        userDetection: [{ kind: 'sender' }, { kind: 'job-name', pattern: '([a-z]+' }],
      }),
    );
    expect(err.message).to.match(
      /^Queue settings are invalid: userDetection\.1\.pattern: is not a valid regular/,
    );
    expect(fieldsOf(err)).to.deep.equal(['userDetection.1.pattern']);
  });

  it('refuse unknown rule kinds, catastrophic and over-long patterns, and unknown rule fields', () => {
    const rules = [
      { kind: 'computer-name' },
      { kind: 'job-name', pattern: '(\\w+)+@' },
      { kind: 'pjl', variable: 'USERNAME', pattern: 'x'.repeat(513) },
      { kind: 'sender', regex: '^(.*)$' },
      { kind: 'sender-if', sender: '', then: { kind: 'sender-if', sender: 'X', then: { kind: 'sender' } } },
      { kind: 'pjl', variable: 'USER=NAME' },
    ] as unknown as NewQueue['userDetection'];
    const err = failure(() => checkNewQueue({ ...base, userDetection: rules }));
    expect(fieldsOf(err)).to.deep.equal([
      'userDetection.0.kind',
      'userDetection.1.pattern',
      'userDetection.2.pattern',
      'userDetection.3',
      'userDetection.4.sender',
      'userDetection.4.then.kind',
      'userDetection.5.variable',
    ]);
  });

  it('refuse more than 20 rules', () => {
    const rules = Array.from({ length: 21 }, () => ({ kind: 'sender' as const }));
    expect(fieldsOf(failure(() => checkNewQueue({ ...base, userDetection: rules })))).to.deep.equal([
      'userDetection',
    ]);
  });

  it('refuse names with spaces, slashes, non-ASCII letters, or over 127 characters', () => {
    for (const name of ['', 'two words', 'a/b', 'back\\slash', 'q?x', 'hash#', 'Café', 'x'.repeat(128)]) {
      expect(fieldsOf(failure(() => checkNewQueue({ ...base, name }))), JSON.stringify(name)).to.deep.equal([
        'name',
      ]);
    }
    expect(checkNewQueue({ ...base, name: 'x'.repeat(127) }).name).to.have.length(127);
    expect(checkNewQueue({ ...base, name: 'HQ-2nd_floor.color@b' }).name).to.equal('HQ-2nd_floor.color@b');
  });

  it('refuse bad types, ports, policies and unknown fields', () => {
    const input = {
      name: 'ok',
      type: 'secure',
      rawPort: 70000,
      unknownOwnerPolicy: 'guess',
      caseSensitive: true,
    } as unknown as NewQueue;
    expect(fieldsOf(failure(() => checkNewQueue(input))).sort()).to.deep.equal([
      '(queue)',
      'rawPort',
      'type',
      'unknownOwnerPolicy',
    ]);
    expect(fieldsOf(failure(() => checkQueuePatch({ rawPort: 0 })))).to.deep.equal(['rawPort']);
    expect(checkQueuePatch({ rawPort: null })).to.deep.equal({ rawPort: null });
  });
});
