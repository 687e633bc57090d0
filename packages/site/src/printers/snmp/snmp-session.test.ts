/**
 * Unit tests of how net-snmp failures become QuireErrors: the code, a message that says what to fix, and never
 * a community or key. The same mapping is exercised against real agents in test/printers-snmp.test.ts.
 */
import { expect } from 'chai';
import * as snmp from 'net-snmp';
import { ErrorCode, QuireError } from '@quire/common';
import { describeTarget, snmpTargetOf, type SnmpTarget } from './snmp-settings';
import { snmpError } from './snmp-session';
import { type PrinterEntity } from '../printer.entity';

// @types/net-snmp declares the timeout error's type but not its constructor, which net-snmp does export.
const { RequestTimedOutError } = snmp as unknown as { RequestTimedOutError: new (message: string) => Error };

const V2: SnmpTarget = {
  host: '127.0.0.5',
  profile: { version: '2c', community: 'sekrit-community', port: 161, timeoutMs: 2000, retries: 1, v3: null },
};

const V3: SnmpTarget = {
  host: '127.0.0.6',
  profile: {
    version: '3',
    community: '',
    port: 1161,
    timeoutMs: 500,
    retries: 0,
    v3: {
      user: 'monitor',
      authProtocol: 'sha',
      authKey: 'auth-passphrase',
      privProtocol: 'aes',
      privKey: 'priv-passphrase',
      context: '',
    },
  },
};

function expectNoSecrets(err: QuireError): void {
  for (const secret of ['sekrit-community', 'auth-passphrase', 'priv-passphrase']) {
    expect(err.message).to.not.include(secret);
    expect(JSON.stringify(err.details)).to.not.include(secret);
  }
}

describe('SNMP error mapping', () => {
  it('says how many tries went unanswered, and how long each waited', () => {
    const err = snmpError(new RequestTimedOutError('Request timed out'), V2);
    expect(err.code).to.equal(ErrorCode.SnmpTimeout);
    expect(err.message).to.match(/^no SNMP answer from 127\.0\.0\.5:161 after 2 tries \(timeout 2000 ms\)/);
    expect(err.message).to.include('community');
    expectNoSecrets(err);
    const once = snmpError(new RequestTimedOutError('Request timed out'), V3);
    expect(once.message).to.match(/after 1 try \(timeout 500 ms\)/);
  });

  it('turns USM reports into what to fix in the profile', () => {
    const cases: Array<[string, RegExp]> = [
      ['Wrong Digest (incorrect password, community or key)', /authentication key or protocol/],
      ['Unknown User Name', /does not know the SNMPv3 user "monitor"/],
      ['Decryption Error', /privacy key or protocol/],
      ['Unsupported Security Level', /security level/],
    ];
    for (const [report, fix] of cases) {
      const err = snmpError(new snmp.ResponseInvalidError(report, snmp.ResponseInvalidCode.EAuthFailure), V3);
      expect(err.code, report).to.equal(ErrorCode.SnmpFailed);
      expect(err.message, report).to.match(/^SNMPv3 request to 127\.0\.0\.6:1161 failed: /);
      expect(err.message, report).to.match(fix);
      expectNoSecrets(err);
    }
  });

  it('never repeats net-snmp digest messages', () => {
    const digest = new snmp.ResponseInvalidError(
      'Authentication digest 0011 received in message does not match digest 2233 calculated for message',
      snmp.ResponseInvalidCode.EAuthFailure,
    );
    const err = snmpError(digest, V3);
    expect(err.message).to.not.include('0011');
    expect(err.message).to.match(/authentication key or protocol/);
  });

  it('names undecryptable answers, error statuses and missing DES', () => {
    const decrypt = snmpError(
      new snmp.ResponseInvalidError('x', snmp.ResponseInvalidCode.ECouldNotDecrypt),
      V3,
    );
    expect(decrypt.message).to.match(/could not be decrypted/);
    const status = snmpError(new snmp.RequestFailedError('GeneralError', snmp.ErrorStatus.GeneralError), V2);
    expect(status.code).to.equal(ErrorCode.SnmpFailed);
    expect(status.message).to.match(/error status GeneralError/);
    const des = snmpError(Object.assign(new Error('unsupported'), { code: 'ERR_OSSL_EVP_UNSUPPORTED' }), V3);
    expect(des.message).to.match(/use AES/);
  });

  it('passes QuireErrors through untouched', () => {
    const original = new QuireError(ErrorCode.SnmpFailed, 'already mapped');
    expect(snmpError(original, V2)).to.equal(original);
  });

  it('targets the SNMP host when set, else the host of the URI, with IPv6 in brackets', () => {
    const printer = { uri: 'ipp://[fe80::1]:631/ipp/print', snmpHost: null } as PrinterEntity;
    expect(snmpTargetOf(printer, V2.profile).host).to.equal('fe80::1');
    expect(describeTarget(snmpTargetOf(printer, V2.profile))).to.equal('[fe80::1]:161');
    const boxed = { uri: 'socket://10.0.0.9:9100', snmpHost: '10.0.0.10' } as PrinterEntity;
    expect(snmpTargetOf(boxed, V2.profile).host).to.equal('10.0.0.10');
  });
});
