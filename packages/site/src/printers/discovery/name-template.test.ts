/** Unit tests of discovery name templates: placeholders, sanitising to printer-name rules, uniqueness. */
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import { printerNameSchema } from '../printer-input';
import {
  checkNameTemplate,
  DEFAULT_NAME_TEMPLATE,
  printerNameFor,
  renderNameTemplate,
  sanitisePrinterName,
  templateNeedsHostname,
  type NameValues,
} from './name-template';

const DEVICE: NameValues = {
  model: 'HP LaserJet M507',
  address: '192.168.10.42',
  serial: 'PHBQB12345',
  hostname: 'prn-42.branch.example',
  sysName: 'NPI2A3B4C',
  location: 'Floor 2, Room 214',
};

const nothingTaken = () => Promise.resolve(false);

describe('discovery name template', () => {
  it('replaces every placeholder, in any case', () => {
    expect(
      renderNameTemplate('%model%|%ipByte4%|%sn%|%hostname%|%snmpHostname%|%location%|%IPBYTE4%', DEVICE),
    ).to.equal('HP LaserJet M507|42|PHBQB12345|prn-42.branch.example|NPI2A3B4C|Floor 2, Room 214|42');
  });

  it('uses the IP for %hostname% without reverse DNS, and nothing for a missing serial', () => {
    expect(renderNameTemplate('%hostname%:%sn%', { ...DEVICE, hostname: null, serial: null })).to.equal(
      '192.168.10.42:',
    );
  });

  it('makes a valid printer name: spaces to -, accents and non-ASCII dropped, ends trimmed', async () => {
    expect(await printerNameFor(DEFAULT_NAME_TEMPLATE, DEVICE, nothingTaken)).to.equal('HP-LaserJet-M507-42');
    const name = sanitisePrinterName('  Ricoh  Aficio Überdrucker ✓ 3\t4 ', 'fallback');
    expect(name).to.equal('Ricoh-Aficio-Uberdrucker--3-4');
    expect(printerNameSchema.safeParse(name).success).to.equal(true);
    expect(sanitisePrinterName('x'.repeat(300), 'f')).to.have.length(123);
  });

  it('falls back to printer-IP when nothing printable is left', async () => {
    expect(await printerNameFor('%model%', { ...DEVICE, model: '' }, nothingTaken)).to.equal(
      'printer-192.168.10.42',
    );
  });

  it('adds -2, -3 on a name taken in any case', async () => {
    const taken = new Set(['hp-laserjet-m507-42', 'hp-laserjet-m507-42-2']);
    const name = await printerNameFor(DEFAULT_NAME_TEMPLATE, DEVICE, (key) =>
      Promise.resolve(taken.has(key)),
    );
    expect(name).to.equal('HP-LaserJet-M507-42-3');
  });

  it('gives up with CONFLICT when every suffix is taken', async () => {
    const err = await printerNameFor('static', DEVICE, () => Promise.resolve(true)).catch((e: unknown) => e);
    expect(isQuireError(err, ErrorCode.Conflict)).to.equal(true);
  });

  it('refuses an unknown placeholder, naming it and the known ones', () => {
    expect(checkNameTemplate('%model%-%snmpHostname%')).to.equal('%model%-%snmpHostname%');
    try {
      checkNameTemplate('%model%-%id%');
      expect.fail('expected VALIDATION_FAILED');
    } catch (err) {
      expect(isQuireError(err, ErrorCode.ValidationFailed)).to.equal(true);
      expect((err as Error).message)
        .to.contain('%id%')
        .and.contain('%ipByte4%');
    }
  });

  it('knows when a reverse-DNS lookup is needed', () => {
    expect(templateNeedsHostname('%HostName%-x')).to.equal(true);
    expect(templateNeedsHostname(DEFAULT_NAME_TEMPLATE)).to.equal(false);
    expect(templateNeedsHostname('%snmpHostname%')).to.equal(false);
  });
});
