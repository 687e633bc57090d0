/** Unit tests of SNMP profile input rules and of how a change merges into a stored profile. */
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import { checkNewSnmpProfile, mergeSnmpProfile, type NewSnmpProfile } from './snmp-profile-input';

const STORED: NewSnmpProfile = {
  name: 'Secure',
  version: '3',
  port: 161,
  v3: {
    user: 'monitor',
    authProtocol: 'sha',
    authKey: 'auth-passphrase',
    privProtocol: 'aes',
    privKey: 'priv-passphrase',
  },
};

function fieldsOf(input: unknown): string[] {
  try {
    checkNewSnmpProfile(input);
    return [];
  } catch (err) {
    expect(isQuireError(err, ErrorCode.ValidationFailed)).to.equal(true);
    return ((err as { details: { fields: Array<{ field: string }> } }).details.fields ?? []).map(
      (f) => f.field,
    );
  }
}

describe('SNMP profile input', () => {
  it('accepts each version with what it needs', () => {
    expect(fieldsOf({ name: 'v1', version: '1', community: 'public' })).to.deep.equal([]);
    expect(
      fieldsOf({ name: 'v2', version: '2c', community: 'public', writeCommunity: 'private' }),
    ).to.deep.equal([]);
    expect(fieldsOf(STORED)).to.deep.equal([]);
    expect(
      fieldsOf({ name: 'none', version: '3', v3: { user: 'guest', authProtocol: 'none' } }),
    ).to.deep.equal([]);
  });

  it('wants auth and priv keys of 8 characters or more, and no key without its protocol', () => {
    expect(fieldsOf({ ...STORED, v3: { ...STORED.v3, authKey: '1234567' } })).to.deep.equal(['v3.authKey']);
    expect(fieldsOf({ ...STORED, v3: { ...STORED.v3, privKey: undefined } })).to.deep.equal(['v3.privKey']);
    expect(fieldsOf({ ...STORED, v3: { ...STORED.v3, privProtocol: 'none' } })).to.deep.equal(['v3.privKey']);
    expect(
      fieldsOf({ ...STORED, v3: { user: 'u', authProtocol: 'none', authKey: 'auth-passphrase' } }),
    ).to.deep.equal(['v3.authKey']);
  });

  it('keeps stored keys across a protocol change, and drops them when the protocol goes', () => {
    const des = checkNewSnmpProfile(mergeSnmpProfile(STORED, { v3: { privProtocol: 'des' } }));
    expect(des.v3).to.include({
      privProtocol: 'des',
      privKey: 'priv-passphrase',
      authKey: 'auth-passphrase',
    });
    const authOnly = checkNewSnmpProfile(mergeSnmpProfile(STORED, { v3: { privProtocol: 'none' } }));
    expect(authOnly.v3).to.include({ privProtocol: 'none', authKey: 'auth-passphrase' });
    expect(authOnly.v3?.privKey).to.equal(undefined);
  });

  it('drops what the old version had when the version changes, and asks for what the new one needs', () => {
    expect(fieldsOf(mergeSnmpProfile(STORED, { version: '2c' }))).to.deep.equal(['community']);
    const v2 = checkNewSnmpProfile(mergeSnmpProfile(STORED, { version: '2c', community: 'public' }));
    expect(v2).to.deep.equal({ name: 'Secure', version: '2c', port: 161, community: 'public' });
    const back = mergeSnmpProfile(v2, {
      version: '3',
      v3: { user: 'u', authProtocol: 'md5', authKey: 'long-enough' },
    });
    expect(checkNewSnmpProfile(back)).to.not.have.property('community');
    expect(fieldsOf(mergeSnmpProfile(STORED, { v3: null }))).to.deep.equal(['v3']);
  });
});
