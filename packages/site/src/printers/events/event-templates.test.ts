/** Unit tests of event templates: every placeholder, any case, unknown ones kept, one-line subjects. */
import { expect } from 'chai';
import { renderSubject, renderTemplate, templateValues, type TemplateContext } from './event-templates';

const context: TemplateContext = {
  printer: {
    name: 'Floor2-Colour',
    uri: 'ipp://10.1.2.3:631/ipp/print',
    snmpHost: null,
    serial: 'VCF1234',
    model: 'Kyocera TASKalfa 3253ci',
    location: 'Floor 2',
    assetNumber: 'A-0042',
    contact: 'it@example.org',
    group: 'floor-2',
  },
  episode: {
    eventName: 'Toner below 20% C',
    type: 'toner-low',
    subject: '1.2',
    message: 'Cyan Toner at 7% (below 20%)',
    openedAt: new Date('2025-03-01T10:15:30.123Z'),
    closedAt: null,
    details: { supply: 'Cyan Toner', levelPercent: 7 },
  },
  supplies: [
    {
      index: '1.1',
      description: 'Black Toner',
      type: 'toner',
      colorant: 'black',
      level: 50,
      max: 100,
      levelPercent: 50,
    },
    {
      index: '1.2',
      description: 'Cyan Toner',
      type: 'toner',
      colorant: 'cyan',
      level: 7,
      max: 100,
      levelPercent: 7,
    },
    {
      index: '1.3',
      description: 'Magenta Toner',
      type: 'toner',
      colorant: 'magenta',
      level: -3,
      max: 100,
      levelPercent: null,
    },
    { index: '1.5', description: 'Drum', type: 'opc', colorant: null, level: 80, max: 100, levelPercent: 80 },
  ],
};

describe('event templates', () => {
  const values = templateValues(context);

  it('fills the printer, event and toner placeholders', () => {
    const text = renderTemplate(
      '%PRN.NAME%|%PRN.IP%|%PRN.IP_ADDRESS%|%PRN.SERIAL%|%PRN.SERIAL_NUMBER%|%PRN.MODEL%|%PRN.LOCATION%|' +
        '%PRN.ASSET_NO%|%PRN.CONTACT%|%EVENT.NAME%|%EVENT.MESSAGE%|%EVENT.OPENED%|%EVENT.CLOSED%|%supply%|%level%',
      values,
    );
    expect(text.split('|')).to.deep.equal([
      'Floor2-Colour',
      '10.1.2.3',
      '10.1.2.3',
      'VCF1234',
      'VCF1234',
      'Kyocera TASKalfa 3253ci',
      'Floor 2',
      'A-0042',
      'it@example.org',
      'Toner below 20% C',
      'Cyan Toner at 7% (below 20%)',
      '2025-03-01 10:15:30 UTC',
      '',
      'Cyan Toner',
      '7%',
    ]);
    expect(
      renderTemplate('K=%TONER_K.LEVEL% C=%TONER_C.LEVEL% M=%TONER_M.LEVEL% Y=%TONER_Y.LEVEL%', values),
    ).to.equal('K=50% C=7% M=unknown Y=');
    expect(renderTemplate('%SUPPLY.INFO%', values)).to.equal(
      'Black Toner 50%; Cyan Toner 7%; Magenta Toner unknown',
    );
  });

  it('matches placeholders in any case and leaves unknown ones and lone percent signs as written', () => {
    expect(renderTemplate('%PRN.name% / %prn.Ip% / %Level%', values)).to.equal(
      'Floor2-Colour / 10.1.2.3 / 7%',
    );
    expect(renderTemplate('at 50% %PRN.UNKNOWN% %NOPE 100%', values)).to.equal(
      'at 50% %PRN.UNKNOWN% %NOPE 100%',
    );
  });

  it('never lets a value or the template add a header line to a subject', () => {
    const hostile = templateValues({
      ...context,
      episode: { ...context.episode, message: 'Jam\r\nBcc: victim@example.org' },
    });
    const subject = renderSubject('%EVENT.MESSAGE%\nX-Injected: 1', hostile);
    expect(subject).to.not.match(/[\r\n]/);
    expect(subject).to.equal('Jam Bcc: victim@example.org X-Injected: 1');
  });

  it('falls back to the SNMP host when the URI cannot be parsed, and is empty for an event without a supply', () => {
    const other = templateValues({
      ...context,
      printer: { ...context.printer, uri: 'usb://nothing', snmpHost: '10.9.9.9' },
      episode: { ...context.episode, details: {}, closedAt: new Date('2025-03-01T11:00:00Z') },
    });
    expect(renderTemplate('%PRN.IP%|%supply%|%level%|%EVENT.CLOSED%', other)).to.equal(
      '10.9.9.9|||2025-03-01 11:00:00 UTC',
    );
  });
});
