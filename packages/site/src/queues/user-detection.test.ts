/**
 * Unit tests of per-queue user detection: every rule kind, rule order, capture groups, case sensitivity, the
 * SAP `SYSTEM` case, the unknown-owner policies and the refusal reason; inputs come from the real PJL reader.
 */
import { expect } from 'chai';
import { readPjlHeader } from '../pdl/pjl';
import { defaultDetectionRules, type DetectionRule } from './detection-rules';
import {
  detectOwner,
  MAX_OWNER_LENGTH,
  UNAUTHENTICATED_OWNER,
  type DetectionSettings,
  type OwnerDetectionInput,
} from './user-detection';

function queue(rules: DetectionRule[], overrides: Partial<DetectionSettings> = {}): DetectionSettings {
  return {
    name: 'Default',
    userDetection: rules,
    detectionCaseSensitive: false,
    unknownOwnerPolicy: 'reject',
    ...overrides,
  };
}

function input(overrides: Partial<OwnerDetectionInput> = {}): OwnerDetectionInput {
  return { senderUser: null, jobName: null, pjl: {}, ...overrides };
}

describe('detectOwner', () => {
  it('takes the sender, trimmed', () => {
    const result = detectOwner(queue([{ kind: 'sender' }]), input({ senderUser: '  alice ' }));
    expect(result).to.deep.equal({ ok: true, owner: 'alice', method: 'sender' });
  });

  it('applies a regex to the sender: first capture group', () => {
    const rules: DetectionRule[] = [{ kind: 'sender', pattern: '^([^@]+)@' }];
    const result = detectOwner(queue(rules), input({ senderUser: 'eliot.kate@example.com' }));
    expect(result).to.deep.equal({ ok: true, owner: 'eliot.kate', method: 'sender' });
  });

  it('reads a PJL variable from a real header, with the default rules preferring it to the sender', () => {
    const { variables } = readPjlHeader(
      Buffer.from('\x1b%-12345X@PJL SET USERNAME="alice"\r\n@PJL ENTER LANGUAGE=PCLXL\r\n'),
    );
    const result = detectOwner(
      queue(defaultDetectionRules()),
      input({ senderUser: 'svc-printserver', pjl: variables }),
    );
    expect(result).to.deep.equal({ ok: true, owner: 'alice', method: 'pjl' });
  });

  it('falls through the default rules to the sender when the job has no PJL', () => {
    const result = detectOwner(queue(defaultDetectionRules()), input({ senderUser: 'bob' }));
    expect(result).to.deep.equal({ ok: true, owner: 'bob', method: 'sender' });
  });

  it('matches PJL variable names without regard to case or a MyQ-style "SET " prefix, and JOBATTR keys', () => {
    const pjl = readPjlHeader(
      Buffer.from('@PJL SET JOBATTR="@JOAU=carol"\n@PJL SET USERNAME="u@corp.example"\n'),
    ).variables;
    expect(detectOwner(queue([{ kind: 'pjl', variable: 'joau' }]), input({ pjl }))).to.deep.include({
      owner: 'carol',
    });
    const withRegex: DetectionRule = { kind: 'pjl', variable: 'SET USERNAME', pattern: '([^@]+)' };
    expect(detectOwner(queue([withRegex]), input({ pjl }))).to.deep.include({ owner: 'u', method: 'pjl' });
  });

  it('takes the owner from the job name, by capture group or by whole match (lookbehind)', () => {
    const group = detectOwner(
      queue([{ kind: 'job-name', pattern: '^(\\w+)_' }]),
      input({ jobName: 'dave_report.pdf' }),
    );
    expect(group).to.deep.equal({ ok: true, owner: 'dave', method: 'job-name' });
    const lookbehind = detectOwner(
      queue([{ kind: 'job-name', pattern: '(?<=user:)\\w+' }]),
      input({ jobName: 'invoice 42 user:erin copy' }),
    );
    expect(lookbehind).to.deep.equal({ ok: true, owner: 'erin', method: 'job-name' });
    const named = detectOwner(
      queue([{ kind: 'job-name', pattern: 'by (?<who>\\w+)$' }]),
      input({ jobName: 'Printed by frank' }),
    );
    expect(named).to.deep.include({ owner: 'frank' });
  });

  it('tries rules in order: the first rule that yields an owner wins', () => {
    const rules: DetectionRule[] = [
      { kind: 'job-name', pattern: '^(\\w+)_' },
      { kind: 'pjl', variable: 'USERNAME' },
      { kind: 'sender' },
    ];
    const all = input({ senderUser: 'sender', jobName: 'named_x', pjl: { USERNAME: 'pjl' } });
    expect(detectOwner(queue(rules), all)).to.deep.include({ owner: 'named', method: 'job-name' });
    const noName = { ...all, jobName: 'no-underscore' };
    expect(detectOwner(queue(rules), noName)).to.deep.include({ owner: 'pjl', method: 'pjl' });
    expect(detectOwner(queue(rules), { ...noName, pjl: {} })).to.deep.include({ owner: 'sender' });
  });

  it('does not match empty or blank results, or an optional group that did not take part', () => {
    const rules: DetectionRule[] = [
      { kind: 'pjl', variable: 'USERNAME' },
      { kind: 'job-name', pattern: '^(x)?job' },
      { kind: 'sender' },
    ];
    const result = detectOwner(
      queue(rules),
      input({ pjl: { USERNAME: '   ' }, jobName: 'job', senderUser: '' }),
    );
    expect(result.ok).to.equal(false);
  });

  it('refuses owners longer than a user name can be', () => {
    const long = 'x'.repeat(MAX_OWNER_LENGTH + 1);
    expect(detectOwner(queue([{ kind: 'sender' }]), input({ senderUser: long })).ok).to.equal(false);
    const fits = 'y'.repeat(MAX_OWNER_LENGTH);
    expect(detectOwner(queue([{ kind: 'sender' }]), input({ senderUser: fits }))).to.deep.include({
      owner: fits,
    });
  });

  it('uses case-insensitive regexes unless the queue is case-sensitive', () => {
    const rules: DetectionRule[] = [{ kind: 'job-name', pattern: 'USER=(\\w+)' }];
    const job = input({ jobName: 'user=Grace' });
    expect(detectOwner(queue(rules), job)).to.deep.include({ owner: 'Grace' });
    expect(detectOwner(queue(rules, { detectionCaseSensitive: true }), job).ok).to.equal(false);
  });

  it('keeps the owner as detected: case sensitivity does not fold it', () => {
    const result = detectOwner(queue([{ kind: 'sender' }]), input({ senderUser: 'Juliette' }));
    expect(result).to.deep.include({ owner: 'Juliette' });
  });

  describe('sender-if (the SAP SYSTEM case)', () => {
    const rules: DetectionRule[] = [
      { kind: 'sender-if', sender: 'SYSTEM', then: { kind: 'job-name', pattern: '\\s(\\w+)$' } },
      { kind: 'sender' },
    ];

    it('applies its rule when the sender is the technical user', () => {
      const result = detectOwner(
        queue(rules),
        input({ senderUser: 'SYSTEM', jobName: 'SAP SP01 12345 JSMITH' }),
      );
      expect(result).to.deep.equal({ ok: true, owner: 'JSMITH', method: 'job-name' });
    });

    it('is skipped for any other sender', () => {
      const result = detectOwner(
        queue(rules),
        input({ senderUser: 'alice', jobName: 'SAP SP01 12345 JSMITH' }),
      );
      expect(result).to.deep.equal({ ok: true, owner: 'alice', method: 'sender' });
    });

    it('compares the sender without regard to case unless the queue is case-sensitive', () => {
      const job = input({ senderUser: 'system', jobName: 'SAP SP01 12345 JSMITH' });
      expect(detectOwner(queue(rules), job)).to.deep.include({ owner: 'JSMITH' });
      expect(detectOwner(queue(rules, { detectionCaseSensitive: true }), job)).to.deep.include({
        owner: 'system',
        method: 'sender',
      });
    });

    it('can take the real user from PJL', () => {
      const pjlRules: DetectionRule[] = [
        {
          kind: 'sender-if',
          sender: 'SYSTEM',
          then: { kind: 'pjl', variable: 'JOB NAME', pattern: '(\\w+)$' },
        },
      ];
      const { variables } = readPjlHeader(Buffer.from('@PJL JOB NAME="SAP SP01 0000012345 JSMITH"\r\n'));
      const result = detectOwner(queue(pjlRules), input({ senderUser: 'SYSTEM', pjl: variables }));
      expect(result).to.deep.equal({ ok: true, owner: 'JSMITH', method: 'pjl' });
    });
  });

  describe('unknown owners', () => {
    const rules: DetectionRule[] = [
      { kind: 'pjl', variable: 'USERNAME' },
      { kind: 'sender-if', sender: 'SYSTEM', then: { kind: 'job-name', pattern: '^(\\w+)_' } },
      { kind: 'sender' },
    ];

    it('accepts the job as *unauthenticated under the unauthenticated policy', () => {
      const result = detectOwner(queue(rules, { unknownOwnerPolicy: 'unauthenticated' }), input());
      expect(result).to.deep.equal({ ok: true, owner: UNAUTHENTICATED_OWNER, method: 'unauthenticated' });
    });

    it('refuses it under the reject policy, saying which rules were tried and why each missed', () => {
      const result = detectOwner(queue(rules), input({ jobName: 'secret-name' }));
      expect(result.ok).to.equal(false);
      const reason = (result as { reason: string }).reason;
      expect(reason).to.contain('queue "Default"');
      expect(reason).to.contain('[0] PJL USERNAME: not set');
      expect(reason).to.contain('[1] when sender is "SYSTEM": job-name /^(\\w+)_/: sender is not "SYSTEM"');
      expect(reason).to.contain('[2] sender: no sender');
      expect(reason).to.contain('rejects jobs whose owner is unknown');
      expect(reason).to.not.contain('secret-name');
    });

    it('refuses with a clear reason when the queue has no rules', () => {
      const result = detectOwner(queue([]), input({ senderUser: 'alice' }));
      expect(result).to.deep.equal({
        ok: false,
        reason:
          'No owner found for the job on queue "Default" (the queue has no user detection rules), and the queue rejects jobs whose owner is unknown',
      });
    });

    it('treats a stored pattern that no longer compiles as a miss instead of throwing', () => {
      const result = detectOwner(queue([{ kind: 'job-name', pattern: '(' }]), input({ jobName: 'x' }));
      expect(result.ok).to.equal(false);
      expect((result as { reason: string }).reason).to.contain('invalid pattern');
    });
  });

  it('matches only the first 1024 characters of a value', () => {
    const rules: DetectionRule[] = [{ kind: 'job-name', pattern: 'owner=(\\w+)' }];
    const far = input({ jobName: `${'x'.repeat(1100)} owner=henry` });
    expect(detectOwner(queue(rules), far).ok).to.equal(false);
    const near = input({ jobName: `${'x'.repeat(100)} owner=henry` });
    expect(detectOwner(queue(rules), near)).to.deep.include({ owner: 'henry' });
  });
});
