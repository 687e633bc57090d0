/**
 * Unit tests of the code mail templates: placeholder expansion, the %realname% alias, no re-expansion, no header
 * injection through the subject, and the "missing means default" template set.
 */
import { expect } from 'chai';
import {
  DEFAULT_MAIL_TEMPLATES,
  MAIL_TEMPLATE_KINDS,
  REQUIRED_VARIABLE,
  mailTemplateSetSchema,
  renderMail,
  renderTemplate,
  restoreDefaults,
  templateFor,
} from './mail-templates';

describe('renderTemplate', () => {
  it('fills every documented variable, %realname% with the full name, case-insensitively', () => {
    const text = renderTemplate('%username%|%fullname%|%realname%|%PIN%|%id_number%|%reset_code%', {
      username: 'jdoe',
      fullname: 'Jane Doe',
      pin: '4820',
      id_number: '59265',
      reset_code: '771203',
    });
    expect(text).to.equal('jdoe|Jane Doe|Jane Doe|4820|59265|771203');
  });

  it('leaves unknown and missing variables as written', () => {
    expect(renderTemplate('%pin% %colour% %fullname% 100% done', { pin: '4820' })).to.equal(
      '4820 %colour% %fullname% 100% done',
    );
    expect(renderTemplate('%constructor% %toString%', {})).to.equal('%constructor% %toString%');
  });

  it('never expands a placeholder that a value brings in', () => {
    const text = renderTemplate('Hello %fullname%, your PIN is %pin%', { fullname: '%pin%', pin: '4820' });
    expect(text).to.equal('Hello %pin%, your PIN is 4820');
  });
});

describe('renderMail', () => {
  it('keeps a value from adding a header through the subject', () => {
    const mail = renderMail(
      { subject: 'PIN for %fullname%', body: 'Line one\r\nLine two %pin%' },
      { fullname: 'Eve\r\nBcc: everyone@example.test\n\tX', pin: '4820' },
    );
    expect(mail.subject).to.equal('PIN for Eve Bcc: everyone@example.test X');
    expect(mail.subject).to.not.match(/[\r\n]/);
    expect(mail.text).to.equal('Line one\r\nLine two 4820');
  });

  it('renders the default "new ID code" mail with the code and the name', () => {
    const mail = renderMail(DEFAULT_MAIL_TEMPLATES.newIdCode, { id_number: '5071', fullname: 'Jane Doe' });
    expect(mail.subject).to.equal('New ID code print server');
    expect(mail.text).to.contain('Hello Jane Doe,');
    expect(mail.text).to.contain('Your new ID code to print/copy is 5071. Keep it confidential.');
  });
});

describe('mail template sets', () => {
  it('every default contains the code its mail exists to carry', () => {
    for (const kind of MAIL_TEMPLATE_KINDS) {
      expect(DEFAULT_MAIL_TEMPLATES[kind].body, kind).to.contain(`%${REQUIRED_VARIABLE[kind]}%`);
      expect(
        mailTemplateSetSchema.safeParse({ [kind]: DEFAULT_MAIL_TEMPLATES[kind] }).success,
        kind,
      ).to.equal(true);
    }
  });

  it('uses the stored template, the default when none is stored, and restores defaults by deleting', () => {
    const custom = { subject: 'Code', body: 'Your code: %id_number%' };
    const set = mailTemplateSetSchema.parse({ newIdCode: custom });
    expect(templateFor(set, 'newIdCode')).to.deep.equal(custom);
    expect(templateFor(set, 'newPin')).to.deep.equal(DEFAULT_MAIL_TEMPLATES.newPin);
    const restored = restoreDefaults(set, 'newIdCode');
    expect(restored).to.deep.equal({});
    expect(set).to.have.property('newIdCode');
    expect(templateFor(restored, 'newIdCode')).to.deep.equal(DEFAULT_MAIL_TEMPLATES.newIdCode);
    expect(restoreDefaults(set)).to.deep.equal({});
  });

  it('refuses a template without its code, an empty subject, and an unknown kind', () => {
    const noCode = mailTemplateSetSchema.safeParse({ newPin: { subject: 'PIN', body: 'Your PIN is ready' } });
    expect(noCode.success).to.equal(false);
    expect(noCode.error?.issues[0].message).to.match(/must contain %pin%/);
    expect(noCode.error?.issues[0].path).to.deep.equal(['newPin', 'body']);
    expect(mailTemplateSetSchema.safeParse({ newPin: { subject: '  ', body: '%pin%' } }).success).to.equal(
      false,
    );
    expect(mailTemplateSetSchema.safeParse({ newPim: { subject: 'x', body: '%pin%' } }).success).to.equal(
      false,
    );
  });
});
