/**
 * Integration tests of the SNMP and configuration profile services on SQLite and MariaDB: the seeded default
 * profile, the protocol rules of profile settings (and how a change is merged into the stored ones), the one
 * default, the "in use" refusals, and which SNMP settings each printer is polled with.
 */
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { createSilentLogger, ErrorCode, isQuireError, openDatabase, type QuireError } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { jobCoreEntities, jobCoreMigrations } from '../src/job-core';
import { PrinterRepository, PrinterService, type PrinterEntity } from '../src/printers';
import {
  createProfileServices,
  type ConfigProfileService,
  type SnmpProfileService,
} from '../src/printers/profiles';

async function failure(promise: Promise<unknown>, code: ErrorCode): Promise<QuireError> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(isQuireError(err, code), `expected ${code}, got ${String(err)}`).to.equal(true);
  return err as QuireError;
}

const V3 = {
  user: 'monitor',
  authProtocol: 'sha' as const,
  authKey: 'auth-passphrase',
  privProtocol: 'aes' as const,
  privKey: 'priv-passphrase',
};

forEachDriver('SNMP and configuration profiles', (_driver, getUrl) => {
  let dataSource: DataSource;
  let snmp: SnmpProfileService;
  let configs: ConfigProfileService;
  let printers: PrinterService;
  let serial = 0;

  const printer = (
    changes: Partial<Parameters<PrinterService['create']>[0]> = {},
  ): Promise<PrinterEntity> => {
    serial += 1;
    return printers.create({ name: `prn-${serial}`, uri: `socket://127.0.0.${serial}:9100`, ...changes });
  };

  before(async () => {
    ({ dataSource } = await openDatabase({
      url: await getUrl(),
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    }));
    ({ snmpProfiles: snmp, configProfiles: configs } = createProfileServices(
      dataSource,
      createSilentLogger(),
    ));
    printers = new PrinterService({
      printers: new PrinterRepository(dataSource),
      logger: createSilentLogger(),
    });
  });

  after(async () => {
    await dataSource?.destroy();
  });

  it('starts with one default profile: v2c, community public, port 161, 2 s, 1 retry', async () => {
    const [only] = await snmp.list();
    expect(only).to.include({
      name: 'Default',
      version: '2c',
      community: 'public',
      port: 161,
      isDefault: true,
    });
    expect(await snmp.settingsById(null)).to.deep.equal({
      version: '2c',
      community: 'public',
      port: 161,
      timeoutMs: 2000,
      retries: 1,
      v3: null,
    });
  });

  it('creates v1/v2c and v3 profiles with defaults, and refuses a name taken in any case', async () => {
    const v2 = await snmp.create({
      name: 'Branch v2',
      version: '2c',
      community: 'branch',
      writeCommunity: 'rw',
    });
    expect(v2).to.include({ port: 161, timeoutMs: 2000, retries: 1, isDefault: false, v3User: null });
    const v3 = await snmp.create({
      name: 'Secure',
      version: '3',
      v3: { ...V3, context: 'printers' },
      retries: 2,
    });
    expect(await snmp.settingsById(v3.id)).to.deep.equal({
      version: '3',
      community: '',
      port: 161,
      timeoutMs: 2000,
      retries: 2,
      v3: { ...V3, context: 'printers' },
    });
    const taken = await failure(
      snmp.create({ name: 'SECURE', version: '1', community: 'x' }),
      ErrorCode.Conflict,
    );
    expect(taken.message).to.include('"SECURE" already exists');
  });

  it('refuses settings that can never work, naming each field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'a', version: '2c', community: 'c', v3: V3 }, 'v3'],
      [{ name: 'b', version: '2c' }, 'community'],
      [{ name: 'c', version: '3', community: 'c', v3: V3 }, 'community'],
      [{ name: 'd', version: '3' }, 'v3'],
      [{ name: 'e', version: '3', v3: { ...V3, authKey: 'short' } }, 'v3.authKey'],
      [{ name: 'f', version: '3', v3: { ...V3, privKey: '1234567' } }, 'v3.privKey'],
      [
        {
          name: 'g',
          version: '3',
          v3: { user: 'u', authProtocol: 'none', privProtocol: 'aes', privKey: 'long-enough' },
        },
        'v3.privProtocol',
      ],
      [{ name: 'h', version: '2c', community: 'c', port: 0 }, 'port'],
    ];
    for (const [input, field] of cases) {
      const err = await failure(snmp.create(input as never), ErrorCode.ValidationFailed);
      const fields = (err.details?.fields as Array<{ field: string }>).map((f) => f.field);
      expect(fields, JSON.stringify(input)).to.include(field);
    }
    const unknown = await failure(
      snmp.create({ name: 'i', version: '2c', community: 'c', secret: 1 } as never),
      ErrorCode.ValidationFailed,
    );
    expect(unknown.message).to.include('secret');
    const noAuth = await snmp.create({
      name: 'noAuthNoPriv',
      version: '3',
      v3: { user: 'guest', authProtocol: 'none' },
    });
    expect((await snmp.settingsById(noAuth.id)).v3).to.include({
      authProtocol: 'none',
      privProtocol: 'none',
    });
  });

  it('merges a change into the stored settings and checks the result whole', async () => {
    const profile = await snmp.create({ name: 'Merge', version: '3', v3: V3 });
    const des = await snmp.update(profile.id, { v3: { privProtocol: 'des' } });
    expect(des).to.include({ v3PrivProtocol: 'des', v3PrivKey: V3.privKey, v3AuthKey: V3.authKey });
    await failure(snmp.update(profile.id, { version: '2c' }), ErrorCode.ValidationFailed);
    const v2 = await snmp.update(profile.id, { version: '2c', community: 'now-v2' });
    expect(v2).to.include({
      version: '2c',
      community: 'now-v2',
      v3User: null,
      v3AuthKey: null,
      v3PrivKey: null,
    });
    await failure(
      snmp.update(profile.id, { version: '3', v3: { user: 'back' } }),
      ErrorCode.ValidationFailed,
    );
    const back = await snmp.update(profile.id, { version: '3', v3: { ...V3, user: 'back' } });
    expect(back).to.include({ community: '', v3User: 'back' });
    expect((await snmp.get(profile.id)).v3User).to.equal('back');
    await failure(snmp.update('no-such-id', { retries: 0 }), ErrorCode.SnmpProfileNotFound);
  });

  it('keeps exactly one default, which cannot be deleted', async () => {
    const initial = await snmp.defaultProfile();
    const next = await snmp.create({ name: 'Next default', version: '2c', community: 'next' });
    expect((await snmp.setDefault(next.id)).isDefault).to.equal(true);
    expect((await snmp.list()).filter((p) => p.isDefault).map((p) => p.id)).to.deep.equal([next.id]);
    const err = await failure(snmp.remove(next.id), ErrorCode.Conflict);
    expect(err.message).to.include('is the default');
    await failure(snmp.setDefault('no-such-id'), ErrorCode.SnmpProfileNotFound);
    expect((await snmp.defaultProfile()).id).to.equal(next.id);
    await snmp.setDefault(initial.id);
    await snmp.remove(next.id);
    await failure(snmp.get(next.id), ErrorCode.SnmpProfileNotFound);
  });

  it('links configuration profiles to existing SNMP profiles only, and protects those in use', async () => {
    await failure(
      configs.create({ name: 'Ghost', snmpProfileId: 'no-such-id' }),
      ErrorCode.SnmpProfileNotFound,
    );
    const office = await snmp.create({ name: 'Office', version: '1', community: 'office' });
    const model = await configs.create({
      name: 'HP M507',
      snmpProfileId: office.id,
      adminUser: 'admin',
      adminPassword: 'pw',
    });
    expect(model).to.include({ faxModule: false, priceListId: null, snmpProfileId: office.id });
    await failure(configs.create({ name: 'hp m507' }), ErrorCode.Conflict);
    const err = await failure(snmp.remove(office.id), ErrorCode.Conflict);
    expect(err.message).to.include('HP M507');
    const changed = await configs.update(model.id, { snmpProfileId: null, faxModule: true });
    expect(changed).to.include({ snmpProfileId: null, faxModule: true, adminPassword: 'pw' });
    await snmp.remove(office.id);
    await failure(configs.update(model.id, { snmpProfileId: office.id }), ErrorCode.SnmpProfileNotFound);
    await failure(configs.get('no-such-id'), ErrorCode.ConfigProfileNotFound);
  });

  it('refuses to delete a configuration profile that printers use', async () => {
    const profile = await configs.create({ name: 'Kyocera' });
    const device = await printer({ configProfileId: profile.id });
    const err = await failure(configs.remove(profile.id), ErrorCode.Conflict);
    expect(err.message).to.include(device.name);
    await printers.update(device.id, { configProfileId: null });
    await configs.remove(profile.id);
    await failure(configs.remove(profile.id), ErrorCode.ConfigProfileNotFound);
  });

  it('polls each printer with its configuration profile’s SNMP profile, else the default, or not at all', async () => {
    const secure = await snmp.create({ name: 'Per model', version: '3', v3: V3 });
    const withSnmp = await configs.create({ name: 'Colour MFPs', snmpProfileId: secure.id });
    const withoutSnmp = await configs.create({ name: 'Mono' });
    const fallback = await snmp.settingsById(undefined);
    const devices = {
      off: await printer({ snmpEnabled: false, configProfileId: withSnmp.id }),
      plain: await printer(),
      colour: await printer({ configProfileId: withSnmp.id }),
      mono: await printer({ configProfileId: withoutSnmp.id }),
      dangling: await printer({ configProfileId: 'deleted-profile' }),
    };
    const expected = new Map([
      [devices.off.id, null],
      [devices.plain.id, fallback],
      [devices.colour.id, await snmp.settingsById(secure.id)],
      [devices.mono.id, fallback],
      [devices.dangling.id, fallback],
    ]);
    for (const device of Object.values(devices)) {
      expect(await snmp.settingsFor(device), device.name).to.deep.equal(expected.get(device.id));
    }
    expect(await snmp.settingsForMany(Object.values(devices))).to.deep.equal(expected);
    expect((expected.get(devices.colour.id) as { v3: { user: string } }).v3.user).to.equal('monitor');
  });
});
