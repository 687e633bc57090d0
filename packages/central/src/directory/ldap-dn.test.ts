/**
 * Unit tests of DN parsing and normalisation: escapes in both RFC 4514 forms, quoted values, multi-valued RDNs,
 * and the case and spacing differences between servers that must not split one group into two.
 */
import { expect } from 'chai';
import { normalizeDn, parseDn } from './ldap-dn';

describe('LDAP DNs', () => {
  it('splits a plain DN into lower-cased types and values as written', () => {
    expect(parseDn('uid=jdoe,OU=People, dc=Example,dc=org')).to.deep.equal([
      [{ type: 'uid', value: 'jdoe' }],
      [{ type: 'ou', value: 'People' }],
      [{ type: 'dc', value: 'Example' }],
      [{ type: 'dc', value: 'org' }],
    ]);
    expect(parseDn('')).to.deep.equal([]);
  });

  it('undoes escapes, hex escapes (UTF-8) and quotes', () => {
    expect(parseDn('ou=Sales\\, EMEA,dc=x')[0]).to.deep.equal([{ type: 'ou', value: 'Sales, EMEA' }]);
    expect(parseDn('ou=Sales\\2C EMEA,dc=x')[0]).to.deep.equal([{ type: 'ou', value: 'Sales, EMEA' }]);
    expect(parseDn('cn=Ji\\C5\\99\\C3\\AD,dc=x')[0]).to.deep.equal([{ type: 'cn', value: 'Jiří' }]);
    expect(parseDn('cn="Doe, John",dc=x')[0]).to.deep.equal([{ type: 'cn', value: 'Doe, John' }]);
    expect(parseDn('cn=trailing\\ ,dc=x')[0]).to.deep.equal([{ type: 'cn', value: 'trailing ' }]);
  });

  it('keeps multi-valued RDNs together', () => {
    expect(parseDn('cn=a+uid=b,dc=x')[0]).to.deep.equal([
      { type: 'cn', value: 'a' },
      { type: 'uid', value: 'b' },
    ]);
  });

  it('gives one form for the same DN written differently', () => {
    const forms = [
      'CN=Print Users,OU=Groups,DC=example,DC=org',
      'cn=print users, ou=groups, dc=example, dc=org',
      'cn=Print\\20Users,ou=Groups,dc=Example,dc=Org',
    ];
    expect(new Set(forms.map((dn) => normalizeDn(dn))).size).to.equal(1);
    expect(normalizeDn('ou=Sales\\, EMEA,dc=x')).to.equal(normalizeDn('OU=sales\\2c emea,DC=X'));
    expect(normalizeDn('uid=b+cn=a,dc=x')).to.equal(normalizeDn('cn=a+uid=b,dc=x'));
    expect(normalizeDn('ou=a\\,b,dc=x')).not.to.equal(normalizeDn('ou=a,ou=b,dc=x'));
  });
});
