/**
 * Unit tests of what a template may hold: each type's settings, names, overridable lists, the VALIDATION_FAILED
 * errors naming the field, and the masking of secret settings for audit rows.
 */
import { expect } from 'chai';
import { checkInput, ErrorCode, isQuireError, type QuireError } from '@quire/common';
import {
  newTemplateSchema,
  redactSettings,
  settingNames,
  templateChangesSchema,
  type NewTemplate,
} from './template-settings';

function check(input: unknown) {
  return checkInput(newTemplateSchema, input, 'Template is invalid', '(template)');
}

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

describe('template settings', () => {
  const queue: NewTemplate = {
    type: 'queue',
    name: 'Finance',
    settings: { type: 'pull', priority: 5, printers: ['HQ-Colour'], userDetection: [{ kind: 'sender' }] },
    overridable: ['priority'],
  };

  it('accept a queue template with the settings of a site queue', () => {
    expect(check(queue)).to.deep.equal(queue);
  });

  it('name each bad queue setting, and require the queue type', () => {
    const err = failure(() =>
      check({
        ...queue,
        settings: {
          rawPort: 70000,
          forceColor: 'sepia',
          userDetection: [{ kind: 'job-name', pattern: '(' }],
        },
      }),
    );
    expect(fieldsOf(err).sort()).to.deep.equal([
      'settings.forceColor',
      'settings.rawPort',
      'settings.type',
      'settings.userDetection.0.pattern',
    ]);
    expect(err.message).to.match(/^Template is invalid: /);
  });

  it('refuse custom PJL lines that are not one PJL command', () => {
    const settings = { type: 'pull', customPjl: ['@PJL SET JOBATTR="x"\n@PJL ENTER', 'SET DUPLEX=ON'] };
    expect(fieldsOf(failure(() => check({ ...queue, settings })))).to.deep.equal([
      'settings.customPjl.0',
      'settings.customPjl.1',
    ]);
  });

  it('refuse unknown settings rather than ignore them', () => {
    const err = failure(() => check({ ...queue, settings: { type: 'pull', colour: true } }));
    expect(fieldsOf(err)).to.deep.equal(['settings']);
    expect(err.message).to.contain('colour');
  });

  it('hold queue template names to the queue name rules', () => {
    for (const name of ['two words', 'a/b', 'Café', '']) {
      expect(fieldsOf(failure(() => check({ ...queue, name }))), name).to.deep.equal(['name']);
    }
    expect(check({ type: 'policy', name: 'Two words', settings: {} }).name).to.equal('Two words');
  });

  it('allow only known setting names, each once, as overridable', () => {
    expect(fieldsOf(failure(() => check({ ...queue, overridable: ['colour'] })))).to.deep.equal([
      'overridable.0',
    ]);
    expect(fieldsOf(failure(() => check({ ...queue, overridable: ['priority', 'priority'] })))).to.deep.equal(
      ['overridable'],
    );
    expect(settingNames('policy')).to.include.members(['keepForReprint', 'maxCopies', 'forceMono']);
  });

  it('check policies, printer profiles and price lists', () => {
    expect(check({ type: 'policy', name: 'Mono', settings: { forceMono: true, maxCopies: 20 } })).to.be.an(
      'object',
    );
    expect(
      fieldsOf(failure(() => check({ type: 'policy', name: 'P', settings: { maxCopies: 0 } }))),
    ).to.deep.equal(['settings.maxCopies']);
    const profile = { colour: true, duplex: true, media: ['iso_a4_210x297mm', 'na_letter_8.5x11in'] };
    expect(check({ type: 'printer-profile', name: 'MFP', settings: profile })).to.be.an('object');
    const badMedia = { ...profile, media: ['A4'] };
    expect(
      fieldsOf(failure(() => check({ type: 'printer-profile', name: 'MFP', settings: badMedia }))),
    ).to.deep.equal(['settings.media.0']);
    const prices = { currency: 'EUR', mono: 0.05, colour: 0.2, perSheet: { iso_a3_297x420mm: 0.02 } };
    expect(check({ type: 'price-list', name: 'Standard', settings: prices })).to.be.an('object');
    const badPrices = { currency: 'euro', mono: -1, colour: 0.2 };
    expect(
      fieldsOf(failure(() => check({ type: 'price-list', name: 'Standard', settings: badPrices }))).sort(),
    ).to.deep.equal(['settings.currency', 'settings.mono']);
  });

  it('check a change against the type of the template it changes', () => {
    const schema = templateChangesSchema('price-list');
    expect(schema.safeParse({ settings: { currency: 'CZK', mono: 1, colour: 4 } }).success).to.equal(true);
    expect(schema.safeParse({ settings: { type: 'pull' } }).success).to.equal(false);
    expect(schema.safeParse({ overridable: ['mono'] }).success).to.equal(true);
  });

  it('mask the SNMP community in audit details', () => {
    expect(redactSettings({ snmpCommunity: 'secret', colour: true })).to.deep.equal({
      snmpCommunity: '***',
      colour: true,
    });
  });
});
