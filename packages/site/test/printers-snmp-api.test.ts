/**
 * Integration tests of `/api/v1/snmp-profiles` and `/api/v1/config-profiles` over real HTTP on 127.0.0.1, on
 * SQLite and MariaDB, with the server core as production opens it: who may do what, secrets that never come
 * back (in answers or audit rows), the default, the "in use" conflicts, and a profile test against a real
 * snmpsim printer and a silent address.
 */
import { expect } from 'chai';
import { AuditLogEntity, ErrorCode, type ServerCore } from '@quire/common';
import { forEachDriver, SNMP_FIXTURES, startSnmpsim, type Snmpsim } from '@quire/testkit';
import { PrinterRepository, PrinterService } from '../src/printers';
import { configProfilesRouter, createProfileServices, snmpProfilesRouter } from '../src/printers/profiles';
import { startSiteApiServer, type SiteApiServer } from './site-api-server';

const ADMIN_PASSWORD = 'snmp-admin-password';
const USER_PASSWORD = 'snmp-user-password';
const PRINTER_ADDRESS = '127.0.0.141';
const SILENT_ADDRESS = '127.0.0.149';
const SECRETS = ['sekrit-community', 'write-sekrit', 'auth-passphrase', 'priv-passphrase', 'device-admin-pw'];

type Body = Record<string, unknown> & { error?: { code: string; message: string } };

forEachDriver('site SNMP and configuration profile REST API', (_driver, getUrl) => {
  let server: SiteApiServer;
  let core: ServerCore;
  let sim: Snmpsim;
  let base: string;
  let adminToken: string;
  let userToken: string;
  let printers: PrinterService;

  async function api(method: string, route: string, token?: string, body?: unknown) {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    for (const secret of SECRETS) expect(text, `${method} ${route}`).to.not.include(secret);
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Body };
  }

  function auditRows(action: string) {
    return core.dataSource.getRepository(AuditLogEntity).find({ where: { action }, order: { at: 'ASC' } });
  }

  before(async function () {
    this.timeout(120_000);
    sim = await startSnmpsim({ agents: [{ address: PRINTER_ADDRESS, fixture: 'hp-color-laserjet-m555' }] });
    server = await startSiteApiServer({
      dbUrl: await getUrl(),
      name: 'snmp',
      adminPassword: ADMIN_PASSWORD,
      clerkPassword: USER_PASSWORD,
      compose: (serverCore, logger) => {
        const { snmpProfiles, configProfiles } = createProfileServices(serverCore.dataSource, logger);
        printers = new PrinterService({ printers: new PrinterRepository(serverCore.dataSource), logger });
        const { auth, dataSource } = serverCore;
        return (express) => {
          express.use(snmpProfilesRouter({ snmpProfiles, auth, dataSource }));
          express.use(configProfilesRouter({ configProfiles, auth, dataSource }));
        };
      },
    });
    ({ core, base, adminToken, clerkToken: userToken } = server);
  });

  after(async () => {
    await server?.close();
    await sim?.stop();
  });

  it('lets signed-in users read profiles, and only admins change or test them', async () => {
    expect((await api('GET', '/api/v1/snmp-profiles')).status).to.equal(401);
    expect((await api('GET', '/api/v1/config-profiles')).status).to.equal(401);
    const listed = await api('GET', '/api/v1/snmp-profiles', userToken);
    expect(listed.status).to.equal(200);
    expect(listed.body.profiles).to.deep.equal([
      {
        ...(listed.body.profiles as Array<Record<string, unknown>>)[0],
        name: 'Default',
        version: '2c',
        communitySet: true,
        writeCommunitySet: false,
        port: 161,
        timeoutMs: 2000,
        retries: 1,
        v3: null,
        isDefault: true,
      },
    ]);
    const refused = await api('POST', '/api/v1/snmp-profiles', userToken, {
      name: 'x',
      version: '1',
      community: 'x',
    });
    expect(refused.status).to.equal(403);
    expect(
      (await api('POST', '/api/v1/snmp-profiles/test', userToken, { host: PRINTER_ADDRESS })).status,
    ).to.equal(403);
    expect((await api('POST', '/api/v1/config-profiles', userToken, { name: 'x' })).status).to.equal(403);
  });

  it('creates profiles without ever returning or auditing a secret', async () => {
    const v3 = await api('POST', '/api/v1/snmp-profiles', adminToken, {
      name: 'Secure',
      version: '3',
      v3: {
        user: 'monitor',
        authProtocol: 'sha',
        authKey: 'auth-passphrase',
        privProtocol: 'aes',
        privKey: 'priv-passphrase',
      },
    });
    expect(v3.status).to.equal(201);
    expect(v3.body.v3).to.deep.equal({
      user: 'monitor',
      authProtocol: 'sha',
      authKeySet: true,
      privProtocol: 'aes',
      privKeySet: true,
      context: '',
    });
    const v2 = await api('POST', '/api/v1/snmp-profiles', adminToken, {
      name: 'Branch',
      version: '2c',
      community: 'sekrit-community',
      writeCommunity: 'write-sekrit',
    });
    expect(v2.body).to.include({ communitySet: true, writeCommunitySet: true });
    const [row] = await auditRows('snmp-profile.create');
    expect(row).to.include({ outcome: 'ok', targetId: v3.body.id, actorName: 'admin' });
    const audited = (await auditRows('snmp-profile.create')).map((r) => r.details).join('\n');
    for (const secret of SECRETS) expect(audited).to.not.include(secret);
    expect(audited).to.include('(set)');

    const bad = await api('POST', '/api/v1/snmp-profiles', adminToken, {
      name: 'Mixed',
      version: '2c',
      community: 'sekrit-community',
      v3: { user: 'u', authProtocol: 'md5', authKey: 'auth-passphrase' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.code).to.equal(ErrorCode.ValidationFailed);
    expect(bad.body.error?.message).to.include('v3: SNMPv3 settings do not apply to version 2c');
  });

  it('changes, makes default and deletes SNMP profiles, refusing the default and those in use', async () => {
    const created = await api('POST', '/api/v1/snmp-profiles', adminToken, {
      name: 'Lab',
      version: '1',
      community: 'lab',
    });
    const id = created.body.id as string;
    const patched = await api('PATCH', `/api/v1/snmp-profiles/${id}`, adminToken, {
      timeoutMs: 500,
      retries: 0,
    });
    expect(patched.body).to.include({ timeoutMs: 500, retries: 0, version: '1' });
    const made = await api('POST', `/api/v1/snmp-profiles/${id}/default`, adminToken);
    expect(made.body.isDefault).to.equal(true);
    const all = (await api('GET', '/api/v1/snmp-profiles', userToken)).body.profiles as Array<
      Record<string, unknown>
    >;
    expect(all.filter((p) => p.isDefault).map((p) => p.id)).to.deep.equal([id]);
    const defaultDelete = await api('DELETE', `/api/v1/snmp-profiles/${id}`, adminToken);
    expect(defaultDelete.status).to.equal(409);
    const original = all.find((p) => p.name === 'Default')!;
    await api('POST', `/api/v1/snmp-profiles/${String(original.id)}/default`, adminToken);

    const model = await api('POST', '/api/v1/config-profiles', adminToken, {
      name: 'Lab printers',
      snmpProfileId: id,
    });
    expect(model.status).to.equal(201);
    const inUse = await api('DELETE', `/api/v1/snmp-profiles/${id}`, adminToken);
    expect(inUse.status).to.equal(409);
    expect(inUse.body.error?.message).to.include('Lab printers');
    await api('DELETE', `/api/v1/config-profiles/${String(model.body.id)}`, adminToken);
    expect((await api('DELETE', `/api/v1/snmp-profiles/${id}`, adminToken)).status).to.equal(204);
    expect((await api('GET', `/api/v1/snmp-profiles/${id}`, userToken)).body.error?.code).to.equal(
      ErrorCode.SnmpProfileNotFound,
    );
    expect((await auditRows('snmp-profile.delete')).map((r) => r.outcome)).to.deep.equal([
      'failed',
      'failed',
      'ok',
    ]);
  });

  it('manages configuration profiles, hiding the admin password and refusing to delete one in use', async () => {
    const created = await api('POST', '/api/v1/config-profiles', adminToken, {
      name: 'Colour MFPs',
      adminUser: 'admin',
      adminPassword: 'device-admin-pw',
      faxModule: true,
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({
      snmpProfileId: null,
      adminUser: 'admin',
      adminPasswordSet: true,
      faxModule: true,
    });
    const id = created.body.id as string;
    const missing = await api('PATCH', `/api/v1/config-profiles/${id}`, adminToken, {
      snmpProfileId: 'nope',
    });
    expect(missing.body.error?.code).to.equal(ErrorCode.SnmpProfileNotFound);
    const cleared = await api('PATCH', `/api/v1/config-profiles/${id}`, adminToken, { adminPassword: null });
    expect(cleared.body.adminPasswordSet).to.equal(false);
    const device = await printers.create({
      name: 'mfp-1',
      uri: `socket://${PRINTER_ADDRESS}:9100`,
      configProfileId: id,
    });
    const inUse = await api('DELETE', `/api/v1/config-profiles/${id}`, adminToken);
    expect(inUse.status).to.equal(409);
    expect(inUse.body.error?.message).to.include(device.name);
    const audited = (await auditRows('config-profile.create')).map((r) => r.details).join('\n');
    expect(audited).to.not.include('device-admin-pw');
  });

  it('tests a profile against a real printer and a silent address, auditing both', async () => {
    const profile = await api('POST', '/api/v1/snmp-profiles', adminToken, {
      name: 'Simulated',
      version: '2c',
      community: 'public',
      port: sim.port,
      timeoutMs: 300,
    });
    const profileId = profile.body.id as string;
    const found = await api('POST', '/api/v1/snmp-profiles/test', adminToken, {
      host: PRINTER_ADDRESS,
      profileId,
    });
    expect(found.status).to.equal(200);
    const fixture = SNMP_FIXTURES['hp-color-laserjet-m555'];
    expect(found.body.identity).to.include({
      model: fixture.model,
      serial: fixture.serial,
      mac: fixture.mac,
      isPrinter: true,
    });
    const silent = await api('POST', '/api/v1/snmp-profiles/test', adminToken, {
      host: SILENT_ADDRESS,
      profileId,
    });
    expect(silent.status).to.equal(504);
    expect(silent.body.error?.code).to.equal(ErrorCode.SnmpTimeout);
    expect(silent.body.error?.message).to.include(
      `no SNMP answer from ${SILENT_ADDRESS}:${sim.port} after 2 tries`,
    );
    const bad = await api('POST', '/api/v1/snmp-profiles/test', adminToken, { host: 'http://x', profileId });
    expect(bad.status).to.equal(400);
    const rows = await auditRows('snmp-profile.test');
    expect(rows.map((r) => r.outcome)).to.deep.equal(['ok', 'failed']);
    expect(rows[1].details).to.include(ErrorCode.SnmpTimeout);
  });
});
