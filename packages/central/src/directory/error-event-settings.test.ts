/**
 * Error-event settings: defaults, duplicate recipients folded, each bad field named, and a stored row that no
 * longer validates read as the defaults.
 */
import { expect } from 'chai';
import { ErrorCode, QuireError } from '@quire/common';
import { parseErrorEventSettings, storedErrorEventSettings } from './error-event-settings';

function failure(input: unknown): QuireError {
  try {
    parseErrorEventSettings(input);
  } catch (err) {
    expect(err).to.be.instanceOf(QuireError);
    return err as QuireError;
  }
  throw new Error('invalid settings were accepted');
}

describe('error-event settings', () => {
  it('applies the defaults and folds duplicate recipients', () => {
    expect(parseErrorEventSettings({ errorEvents: { enabled: false } })).to.deep.equal({
      enabled: false,
      recipients: [],
      intervalMinutes: 60,
    });
    const parsed = parseErrorEventSettings({
      errorEvents: { enabled: true, recipients: ['a@example.test', 'a@example.test'], intervalMinutes: 0 },
    });
    expect(parsed).to.deep.equal({ enabled: true, recipients: ['a@example.test'], intervalMinutes: 0 });
  });

  it('names every bad field', () => {
    const err = failure({
      errorEvents: { enabled: 1, recipients: ['x'], intervalMinutes: 2.5, extra: true },
    });
    expect(err.code).to.equal(ErrorCode.ValidationFailed);
    const fields = (err.details?.fields as Array<{ field: string }>).map((f) => f.field);
    expect(fields).to.include.members([
      'errorEvents.enabled',
      'errorEvents.recipients.0',
      'errorEvents.intervalMinutes',
      'errorEvents',
    ]);
    expect(failure({ errorEvents: { enabled: true } }).message).to.contain('errorEvents.recipients');
    expect(failure({ enabled: true }).message).to.contain('errorEvents');
    expect(failure({ errorEvents: { enabled: false, intervalMinutes: 60 * 24 * 8 } }).message).to.contain(
      'errorEvents.intervalMinutes',
    );
  });

  it('reads a stored row that no longer validates as the defaults', () => {
    expect(storedErrorEventSettings({ enabled: true, recipients: [] })).to.deep.equal({
      enabled: false,
      recipients: [],
      intervalMinutes: 60,
    });
    expect(storedErrorEventSettings(null).enabled).to.equal(false);
    expect(storedErrorEventSettings({ enabled: true, recipients: ['a@example.test'] })).to.deep.equal({
      enabled: true,
      recipients: ['a@example.test'],
      intervalMinutes: 60,
    });
  });
});
