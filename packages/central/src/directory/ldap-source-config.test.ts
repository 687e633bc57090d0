/**
 * Unit tests of the LDAP source settings: defaults filled in, attribute lists normalised, and one
 * VALIDATION_FAILED error naming every bad field (never quoting the bind password).
 */
import { expect } from 'chai';
import { z } from 'zod';
import { ErrorCode, isQuireError, type QuireError } from '@quire/common';
import {
  DEFAULT_GROUP_FILTER,
  ldapFilterProblem,
  ldapSourceConfigSchema,
  parseLdapSourceConfig,
  redactLdapSourceConfig,
} from './ldap-source-config';

const minimal = {
  name: 'corp',
  type: 'ldap',
  urls: ['ldap://ldap1.example.org:389'],
  bindDn: 'cn=sync,dc=example,dc=org',
  bindPassword: 'secret-password',
  baseDns: ['ou=people,dc=example,dc=org'],
};

function failure(input: unknown): QuireError {
  try {
    parseLdapSourceConfig(input);
  } catch (err) {
    if (isQuireError(err, ErrorCode.ValidationFailed)) return err;
    throw err;
  }
  throw new Error('expected VALIDATION_FAILED');
}

function badFields(input: unknown): string[] {
  return (failure(input).details?.fields as { field: string }[]).map((f) => f.field);
}

describe('LDAP source config', () => {
  it('fills in one documented default for every optional field', () => {
    const config = parseLdapSourceConfig(minimal);
    expect(config).to.deep.equal({
      ...minimal,
      type: 'ldap',
      startTls: false,
      connectTimeoutSeconds: 5,
      timeoutSeconds: 120,
      userFilter: '(objectClass=person)',
      mapping: { username: ['uid'], fullName: ['cn'], email: ['mail'] },
      groups: { mode: 'none', tree: true, filter: DEFAULT_GROUP_FILTER },
      options: {
        addNew: true,
        disableMissing: false,
        lowercaseUsernames: false,
        pairByPersonalNumber: false,
      },
    });
  });

  it('documents every field with its default in the JSON schema', () => {
    const json = z.toJSONSchema(ldapSourceConfigSchema, { io: 'input' }) as {
      properties: Record<string, { description?: string; default?: unknown }>;
    };
    expect(json.properties.startTls).to.include({ default: false });
    expect(json.properties.userFilter).to.include({ default: '(objectClass=person)' });
    for (const [field, schema] of Object.entries(json.properties)) {
      if (field !== 'type') expect(schema.description, field).to.be.a('string').and.not.equal('');
    }
  });

  it('takes one attribute name or a list, and always gives a list', () => {
    const config = parseLdapSourceConfig({
      ...minimal,
      mapping: { username: 'sAMAccountName', cards: ['carLicense', 'pager'], pin: 'employeeType' },
    });
    expect(config.mapping.username).to.deep.equal(['sAMAccountName']);
    expect(config.mapping.cards).to.deep.equal(['carLicense', 'pager']);
    expect(config.mapping.pin).to.deep.equal(['employeeType']);
    expect(config.mapping.fullName).to.deep.equal(['cn']);
  });

  it('accepts ldaps, StartTLS over ldap, a CA file, a schedule and memberOf groups', () => {
    const config = parseLdapSourceConfig({
      ...minimal,
      urls: ['ldap://a.example.org', 'ldap://[::1]:3389'],
      startTls: true,
      caFile: '/etc/quire/ldap-ca.pem',
      schedule: '0 3 * * *',
      groups: { mode: 'memberOf', baseDn: 'ou=groups,dc=example,dc=org', tree: false },
      options: { disableMissing: true },
    });
    expect(config.groups).to.deep.equal({
      mode: 'memberOf',
      baseDn: 'ou=groups,dc=example,dc=org',
      tree: false,
      filter: DEFAULT_GROUP_FILTER,
    });
    expect(config.options.disableMissing).to.equal(true);
    expect(config.options.addNew).to.equal(true);
    expect(parseLdapSourceConfig({ ...minimal, urls: ['ldaps://ad.example.org:636'] }).urls).to.have.length(
      1,
    );
  });

  it('names every bad field in one error', () => {
    const err = failure({
      ...minimal,
      name: 'bad name!',
      urls: ['ldap://ok.example.org', 'http://web.example.org', 'ldap://host/dc=path'],
      baseDns: ['people'],
      userFilter: '(&(objectClass=person)',
      mapping: { username: 'not an attribute', cards: [] },
      groups: { mode: 'memberOf' },
      options: { addNew: 'yes' },
      schedule: 'every night',
      colour: 'blue',
    });
    expect(err.code).to.equal(ErrorCode.ValidationFailed);
    expect(err.httpStatus).to.equal(400);
    const fields = (err.details?.fields as { field: string }[]).map((f) => f.field);
    expect(fields).to.include.members([
      'name',
      'urls.1',
      'urls.2',
      'baseDns.0',
      'userFilter',
      'mapping.username.0',
      'mapping.cards',
      'groups.baseDn',
      'options.addNew',
      'schedule',
      '(source)',
    ]);
    expect(err.message).to.match(/^LDAP source is invalid: /);
    expect(err.message).to.include('urls.1: must be ldap://host[:port] or ldaps://host[:port]');
    expect(err.message).to.include('groups.baseDn: is required when mode is "memberOf"');
    expect(err.message).to.include('userFilter: has a "(" without its ")"');
  });

  it('says which fields are missing, naming the source', () => {
    const err = failure({ name: 'hr', type: 'ldap' });
    expect(err.message).to.match(/^LDAP source "hr" is invalid: /);
    expect(badFields({ name: 'hr', type: 'ldap' })).to.include.members([
      'urls',
      'bindDn',
      'bindPassword',
      'baseDns',
    ]);
    expect(err.message).to.include('bindDn: is required (expected string)');
  });

  it('refuses more than five servers, an empty password and StartTLS on ldaps', () => {
    const urls = Array.from({ length: 6 }, (_, n) => `ldap://ldap${n}.example.org`);
    expect(badFields({ ...minimal, urls })).to.deep.equal(['urls']);
    expect(badFields({ ...minimal, bindPassword: '' })).to.deep.equal(['bindPassword']);
    expect(badFields({ ...minimal, type: 'csv' })).to.deep.equal(['type']);
    expect(badFields({ ...minimal, urls: ['ldaps://a.example.org'], startTls: true })).to.deep.equal([
      'urls.0',
    ]);
  });

  it('never quotes the bind password in an error', () => {
    const err = failure({ ...minimal, bindPassword: 12345678, bindDn: 'nonsense' });
    expect(err.message).to.include('bindPassword:');
    expect(err.message).not.to.include('12345678');
    expect(JSON.stringify(err.details)).not.to.include('12345678');
  });

  it('masks the bind password for display', () => {
    const shown = redactLdapSourceConfig(parseLdapSourceConfig(minimal));
    expect(shown.bindPassword).to.equal('********');
    expect(shown.bindDn).to.equal(minimal.bindDn);
  });

  it('checks LDAP filters', () => {
    expect(ldapFilterProblem('(&(objectClass=person)(!(uid=admin)))')).to.equal(null);
    expect(ldapFilterProblem('(objectClass=person))')).to.equal('has a ")" without its "("');
    expect(ldapFilterProblem('((a=b))')).to.match(/^is not an LDAP filter: /);
    expect(ldapFilterProblem('')).to.match(/^is not an LDAP filter: /);
  });
});
