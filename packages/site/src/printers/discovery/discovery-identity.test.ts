/** Unit tests of device identity: match precedence, contradicting identities, and what a rerun changes. */
import { expect } from 'chai';
import { type PrinterEntity } from '../printer.entity';
import { type PrinterIdentity } from '../snmp/printer-reader';
import { deviceKey, knownPrinterPatch, matchPrinter, normaliseMac } from './discovery-identity';

function printer(overrides: Partial<PrinterEntity>): PrinterEntity {
  const now = new Date(0);
  return {
    id: 'p',
    name: 'p',
    nameKey: 'p',
    uri: 'socket://10.0.0.1:9100',
    location: '',
    group: null,
    enabled: true,
    pageCounter: 0,
    counterOffset: 0,
    configProfileId: null,
    snmpEnabled: true,
    snmpHost: null,
    model: '',
    serial: null,
    mac: null,
    colorCapable: null,
    assetNumber: '',
    contact: '',
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const IDENTITY: PrinterIdentity = {
  sysDescr: 'x',
  sysName: 'npi',
  sysLocation: 'Floor 3',
  sysContact: 'ops',
  model: 'M507',
  serial: ' SER1 ',
  mac: '00-1B-A9-00-00-01',
  colorCapable: false,
  isPrinter: true,
};
const NO_ACTIONS = {
  group: null,
  queues: [],
  createDirectQueue: false,
  configProfileId: null,
  activate: false,
  location: null,
};

describe('discovery identity', () => {
  it('normalises MAC and serial, and ignores an all-zero MAC', () => {
    expect(deviceKey('10.0.0.9', IDENTITY)).to.deep.equal({
      address: '10.0.0.9',
      mac: '00:1b:a9:00:00:01',
      serial: 'SER1',
    });
    expect(normaliseMac('00:00:00:00:00:00')).to.equal(null);
    expect(normaliseMac('garbage')).to.equal(null);
  });

  it('prefers MAC over serial over address', () => {
    const key = deviceKey('10.0.0.1', IDENTITY);
    const atAddress = printer({ id: 'addr' });
    const bySerial = printer({ id: 'serial', serial: 'SER1', uri: 'socket://10.0.0.7' });
    const byMac = printer({ id: 'mac', mac: '00:1b:a9:00:00:01', uri: 'socket://10.0.0.8' });
    expect(matchPrinter(key, [atAddress, bySerial, byMac])).to.deep.include({ by: 'mac', printer: byMac });
    expect(matchPrinter(key, [atAddress, bySerial])).to.deep.include({ by: 'serial', printer: bySerial });
    expect(matchPrinter(key, [atAddress])).to.deep.include({ by: 'address', printer: atAddress });
  });

  it('refuses a serial or address match that a different MAC or serial contradicts', () => {
    const key = deviceKey('10.0.0.1', IDENTITY);
    const otherMac = printer({ serial: 'SER1', mac: 'aa:aa:aa:aa:aa:aa' });
    const otherSerial = printer({ serial: 'SER2' });
    expect(matchPrinter(key, [otherMac, otherSerial])).to.equal(null);
  });

  it('changes only what differs: the moved address, identity, and the all-run actions', () => {
    const known = printer({ mac: '00:1b:a9:00:00:01', model: 'M507', serial: 'SER1', colorCapable: false });
    const key = deviceKey('10.0.0.2', IDENTITY);
    expect(knownPrinterPatch(known, key, IDENTITY, NO_ACTIONS)).to.deep.equal({
      uri: 'socket://10.0.0.2:9100',
      contact: 'ops',
    });
    const actions = { ...NO_ACTIONS, group: 'g', configProfileId: 'c', location: '%location%' };
    const here = deviceKey('10.0.0.1', IDENTITY);
    expect(knownPrinterPatch({ ...known, contact: 'kept' }, here, IDENTITY, actions)).to.deep.equal({
      group: 'g',
      configProfileId: 'c',
      location: 'Floor 3',
    });
  });
});
