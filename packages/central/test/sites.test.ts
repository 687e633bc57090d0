/**
 * Integration tests of central's sites capability, on SQLite and on MariaDB: the `/api/v1/sites` REST API
 * (auth, validation, conflicts, audit rows) and the DB-backed SiteAuthority behind the federation server
 * (single-use tokens, expiry, credentials, re-issued tokens), with central started in-process as in production.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import {
  AuditLogEntity,
  createSilentLogger,
  ErrorCode,
  isQuireError,
  loadConfig,
  newId,
} from '@quire/common';
import { createFederationClient, type EnrolResponse__Output } from '@quire/shared-proto';
import { forEachDriver } from '@quire/testkit';
import { startCentral, type CentralServer } from '../src/server';
import { SiteRepository } from '../src/sites/site.repository';
import { SitesService } from '../src/sites/sites.service';
import { openDatabase, commonEntities, commonMigrations } from '@quire/common';
import { centralMigrations } from '../src/migrations';
import { SiteEntity } from '../src/sites/site.entity';

const PASSWORD = 'sites-test-password';

async function api(base: string, method: string, route: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: { code: string } },
  };
}

function enrol(grpcPort: number, token: string): Promise<EnrolResponse__Output> {
  const client = createFederationClient(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  return new Promise<EnrolResponse__Output>((resolve, reject) => {
    client.Enrol({ token, siteName: 'test', siteVersion: '0.0.0' }, (err, response) => {
      client.close();
      if (err || !response) reject(err ?? new Error('no response'));
      else resolve(response);
    });
  });
}

forEachDriver('central sites', (_driver, getUrl) => {
  let central: CentralServer;
  let base: string;
  let token: string;
  let dbUrl: string;

  before(async () => {
    dbUrl = await getUrl();
    const config = loadConfig({
      role: 'central',
      env: {
        QUIRE_DB_URL: dbUrl,
        QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'quire-central-')),
        QUIRE_HTTP_HOST: '127.0.0.1',
        QUIRE_HTTP_PORT: '0',
        QUIRE_GRPC_HOST: '127.0.0.1',
        QUIRE_GRPC_PORT: '0',
        QUIRE_ADMIN_PASSWORD: PASSWORD,
        // These tests enrol over plaintext; TLS has its own tests (federation-tls, federation-mtls).
        QUIRE_FEDERATION_TLS: 'off',
      },
    });
    central = await startCentral({ config, logger: createSilentLogger(), printOnce: () => undefined });
    base = `http://127.0.0.1:${central.httpPort}`;
    const login = await api(base, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: PASSWORD,
    });
    token = login.body.token as string;
  });

  after(async () => {
    await central?.stop();
  });

  it('refuses anonymous callers', async () => {
    const res = await api(base, 'GET', '/api/v1/sites');
    expect(res.status).to.equal(401);
    expect(res.body.error?.code).to.equal(ErrorCode.AuthRequired);
  });

  it('creates a site with a one-time token, audits it, and lists it as not yet connected', async () => {
    const created = await api(base, 'POST', '/api/v1/sites', token, { name: 'brno' });
    expect(created.status).to.equal(201);
    expect(created.body.enrolmentToken).to.be.a('string').with.length.greaterThan(30);
    expect(Date.parse(created.body.enrolmentTokenExpiresAt as string)).to.be.greaterThan(Date.now());

    const listed = await api(base, 'GET', '/api/v1/sites', token);
    const sites = listed.body.sites as Array<Record<string, unknown>>;
    expect(sites).to.have.length(1);
    expect(sites[0]).to.include({
      id: created.body.id,
      name: 'brno',
      connected: false,
      enrolled: false,
      lastSeenAt: null,
    });

    const { dataSource } = await openDatabase({
      url: dbUrl,
      entities: [...commonEntities, SiteEntity],
      migrations: [],
    });
    const rows = await dataSource.getRepository(AuditLogEntity).findBy({ action: 'site.create' });
    await dataSource.destroy();
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({
      actorName: 'admin',
      targetType: 'site',
      targetId: created.body.id,
      outcome: 'ok',
    });
  });

  it('answers 409 for a taken name and 400 naming the field for a bad one', async () => {
    const taken = await api(base, 'POST', '/api/v1/sites', token, { name: 'brno' });
    expect(taken.status).to.equal(409);
    expect(taken.body.error?.code).to.equal(ErrorCode.Conflict);
    const bad = await api(base, 'POST', '/api/v1/sites', token, { name: 'no spaces please' });
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.code).to.equal(ErrorCode.ValidationFailed);
    expect(JSON.stringify(bad.body.error)).to.contain('name');
    const missing = await api(base, 'GET', `/api/v1/sites/${newId()}`, token);
    expect(missing.status).to.equal(404);
  });

  it('exchanges a token once over gRPC; a re-issued token enrols the site again', async () => {
    const created = await api(base, 'POST', '/api/v1/sites', token, { name: 'ostrava' });
    const first = await enrol(central.grpcPort, created.body.enrolmentToken as string);
    expect(first.siteId).to.equal(created.body.id);
    expect(first.credential).to.have.length.greaterThan(30);

    const again = await enrol(central.grpcPort, created.body.enrolmentToken as string).catch(
      (err: grpc.ServiceError) => err,
    );
    expect((again as grpc.ServiceError).code).to.equal(grpc.status.UNAUTHENTICATED);

    const reissued = await api(base, 'POST', `/api/v1/sites/${first.siteId}/enrolment-token`, token);
    expect(reissued.status).to.equal(201);
    const second = await enrol(central.grpcPort, reissued.body.enrolmentToken as string);
    expect(second.siteId).to.equal(first.siteId);
    expect(second.credential).to.not.equal(first.credential);

    const site = await api(base, 'GET', `/api/v1/sites/${first.siteId}`, token);
    expect(site.body).to.include({ name: 'ostrava', enrolled: true });
  });

  it('authenticates only the current credential, and refuses expired tokens', async () => {
    const { dataSource } = await openDatabase({
      url: dbUrl,
      entities: [...commonEntities, SiteEntity],
      migrations: [...commonMigrations, ...centralMigrations],
    });
    let now = new Date();
    const service = new SitesService({
      sites: new SiteRepository(dataSource),
      logger: createSilentLogger(),
      enrolmentTokenTtlHours: 1,
      now: () => now,
    });
    try {
      const ticket = await service.create('plzen');
      const { credential, siteId } = await service.enrol(ticket.enrolmentToken, {
        siteName: 'plzen',
        siteVersion: '1.0.0',
        remoteAddr: '127.0.0.1',
      });
      expect(await service.authenticate(siteId, credential)).to.deep.equal({ id: siteId, name: 'plzen' });
      expect(await service.authenticate(siteId, `${credential}x`)).to.equal(null);
      expect(await service.authenticate('not-a-uuid', credential)).to.equal(null);

      const late = await service.issueEnrolmentToken(siteId);
      now = new Date(now.getTime() + 2 * 3600_000);
      const expired = await service
        .enrol(late.enrolmentToken, { siteName: 'plzen', siteVersion: '1.0.0', remoteAddr: '127.0.0.1' })
        .catch((err: unknown) => err);
      expect(isQuireError(expired, ErrorCode.EnrolmentTokenInvalid)).to.equal(true);
      expect(await service.authenticate(siteId, credential), 'old credential kept').to.not.equal(null);

      await service.recordSeen(siteId, now, '1.2.3');
      const stored = await service.get(siteId);
      expect(stored.siteVersion).to.equal('1.2.3');
      expect(stored.lastSeenAt?.getTime()).to.equal(now.getTime());
    } finally {
      await dataSource.destroy();
    }
  });
});
