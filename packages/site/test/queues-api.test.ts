/**
 * Integration tests of `/api/v1/queues` over real HTTP on 127.0.0.1, on SQLite and on MariaDB: the server core
 * (migrations, first admin, auth) as production opens it, with the auth and queues routers mounted on the shared
 * HTTP scaffold. Covers 401/403, validation errors naming fields, 404, 409, the JSON shape and the audit rows.
 */
import { expect } from 'chai';
import { AuditLogEntity, ErrorCode, newId, type ServerCore } from '@quire/common';
import { forEachDriver, jsonRequest } from '@quire/testkit';
import { QueueRepository, QueueService, queuesRouter } from '../src/queues';
import { startSiteApiServer, type SiteApiServer } from './site-api-server';

const ADMIN_PASSWORD = 'queues-admin-password';
const USER_PASSWORD = 'queues-user-password';

type Body = Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };

forEachDriver('site queues REST API', (_driver, getUrl) => {
  let server: SiteApiServer;
  let core: ServerCore;
  let base: string;
  let adminToken: string;
  let userToken: string;
  let changes = 0;

  function api(method: string, route: string, token?: string, body?: unknown) {
    return jsonRequest<Body>(base, method, route, token, body);
  }

  function auditRows(action: string) {
    return core.dataSource.getRepository(AuditLogEntity).find({ where: { action }, order: { at: 'ASC' } });
  }

  before(async () => {
    server = await startSiteApiServer({
      dbUrl: await getUrl(),
      name: 'queues',
      adminPassword: ADMIN_PASSWORD,
      clerkPassword: USER_PASSWORD,
      compose: async (serverCore, logger) => {
        const queues = new QueueService({ queues: new QueueRepository(serverCore.dataSource), logger });
        queues.on('changed', () => {
          changes += 1;
        });
        await queues.ensureDefaultQueues();
        return (express) =>
          express.use(queuesRouter({ queues, auth: serverCore.auth, dataSource: serverCore.dataSource }));
      },
    });
    ({ core, base, adminToken, clerkToken: userToken } = server);
  });

  after(async () => {
    await server?.close();
  });

  it('refuses anonymous callers and lets any signed-in user list and read queues', async () => {
    const anonymous = await api('GET', '/api/v1/queues');
    expect(anonymous.status).to.equal(401);
    expect(anonymous.body.error?.code).to.equal(ErrorCode.AuthRequired);

    const listed = await api('GET', '/api/v1/queues', userToken);
    expect(listed.status).to.equal(200);
    const queues = listed.body.queues as Array<Record<string, unknown>>;
    expect(queues.map((q) => q.name)).to.deep.equal(['Default', 'Web']);
    expect(Object.keys(queues[0]).sort()).to.deep.equal(
      [
        'createdAt',
        'description',
        'detectionCaseSensitive',
        'id',
        'name',
        'online',
        'rawPort',
        'type',
        'unknownOwnerPolicy',
        'updatedAt',
        'userDetection',
        'printers',
        'printerGroups',
        'priority',
        'keepForReprint',
        'forceColor',
        'forceDuplex',
        'forceTonerSave',
        'customPjl',
      ].sort(),
    );
    const one = await api('GET', `/api/v1/queues/${queues[0].id as string}`, userToken);
    expect(one.body).to.deep.equal(queues[0]);
    expect((await api('GET', `/api/v1/queues/${newId()}`, userToken)).status).to.equal(404);
  });

  it('lets only admins write, auditing each refusal', async () => {
    const created = await api('POST', '/api/v1/queues', userToken, { name: 'Sneaky', type: 'pull' });
    expect(created.status).to.equal(403);
    expect(created.body.error?.code).to.equal(ErrorCode.Forbidden);
    const queueId = ((await api('GET', '/api/v1/queues', userToken)).body.queues as Array<{ id: string }>)[0]
      .id;
    expect((await api('PATCH', `/api/v1/queues/${queueId}`, userToken, { online: false })).status).to.equal(
      403,
    );
    expect((await api('DELETE', `/api/v1/queues/${queueId}`, userToken)).status).to.equal(403);
    const denied = await auditRows('access.admin');
    expect(denied.map((row) => [row.actorName, row.outcome, row.targetId])).to.have.deep.members([
      ['clerk', 'denied', 'POST /api/v1/queues'],
      ['clerk', 'denied', `PATCH /api/v1/queues/${queueId}`],
      ['clerk', 'denied', `DELETE /api/v1/queues/${queueId}`],
    ]);
  });

  it('creates a queue, answers with its JSON, audits it and announces the change', async () => {
    const before = changes;
    const body = {
      name: 'Finance',
      type: 'tandem',
      description: 'Second floor',
      rawPort: 9100,
      unknownOwnerPolicy: 'unauthenticated',
      userDetection: [
        { kind: 'sender-if', sender: 'SYSTEM', then: { kind: 'job-name', pattern: '^(\\w+)_' } },
      ],
      detectionCaseSensitive: true,
    };
    const created = await api('POST', '/api/v1/queues', adminToken, body);
    expect(created.status).to.equal(201);
    expect(created.body).to.deep.include({ ...body, online: true });
    expect(created.body.id).to.be.a('string');
    expect(Date.parse(created.body.createdAt as string)).to.be.closeTo(Date.now(), 60_000);
    expect(changes).to.equal(before + 1);

    const rows = await auditRows('queue.create');
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({
      actorName: 'admin',
      targetType: 'queue',
      targetId: created.body.id,
      outcome: 'ok',
    });
    expect(JSON.parse(rows[0].details)).to.deep.include({ settings: body });
  });

  it('answers 400 naming each bad field, including the index of a bad detection rule', async () => {
    const bad = await api('POST', '/api/v1/queues', adminToken, {
      name: 'has space',
      type: 'printer',
      rawPort: 0,
      userDetection: [{ kind: 'sender' }, { kind: 'job-name', pattern: '(a+)+' }, { kind: 'mind-reading' }],
      caseSensitive: true,
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.code).to.equal(ErrorCode.ValidationFailed);
    const fields = (bad.body.error?.details as { fields: Array<{ field: string }> }).fields.map(
      (f) => f.field,
    );
    expect(fields.sort()).to.deep.equal(
      ['(body)', 'name', 'rawPort', 'type', 'userDetection.1.pattern', 'userDetection.2.kind'].sort(),
    );
    const missing = await api('POST', '/api/v1/queues', adminToken, { description: 'no name' });
    expect(missing.status).to.equal(400);
    expect(missing.body.error?.message).to.contain('name: is required');
  });

  it('answers 409 for a name taken in another case or a taken raw port, leaving a failed audit row', async () => {
    const byName = await api('POST', '/api/v1/queues', adminToken, { name: 'FINANCE', type: 'pull' });
    expect(byName.status).to.equal(409);
    expect(byName.body.error?.code).to.equal(ErrorCode.Conflict);
    expect(byName.body.error?.message).to.contain('"Finance"');
    const byPort = await api('POST', '/api/v1/queues', adminToken, {
      name: 'Other',
      type: 'pull',
      rawPort: 9100,
    });
    expect(byPort.status).to.equal(409);
    expect(byPort.body.error?.details).to.deep.equal({ field: 'rawPort' });
    const failed = (await auditRows('queue.create')).filter((row) => row.outcome === 'failed');
    expect(failed).to.have.length(2);
    expect(JSON.parse(failed[0].details)).to.include({ errorCode: ErrorCode.Conflict });
  });

  it('updates a queue with PATCH, and audits the change', async () => {
    const queues = (await api('GET', '/api/v1/queues', adminToken)).body.queues as Array<
      Record<string, string>
    >;
    const finance = queues.find((q) => q.name === 'Finance') as Record<string, string>;
    const patched = await api('PATCH', `/api/v1/queues/${finance.id}`, adminToken, {
      online: false,
      rawPort: null,
      userDetection: [{ kind: 'pjl', variable: 'JOAU' }],
    });
    expect(patched.status).to.equal(200);
    expect(patched.body).to.deep.include({
      name: 'Finance',
      online: false,
      rawPort: null,
      userDetection: [{ kind: 'pjl', variable: 'JOAU' }],
    });
    const read = await api('GET', `/api/v1/queues/${finance.id}`, adminToken);
    expect({ status: read.status, body: read.body }).to.deep.equal({ status: 200, body: patched.body });
    const [row] = await auditRows('queue.update');
    expect(row).to.include({ targetId: finance.id, outcome: 'ok' });
    expect(JSON.parse(row.details)).to.deep.equal({
      changes: { online: false, rawPort: null, userDetection: [{ kind: 'pjl', variable: 'JOAU' }] },
    });
    expect(
      (await api('PATCH', `/api/v1/queues/${finance.id}`, adminToken, { type: 'fast' })).status,
    ).to.equal(400);
    expect((await api('PATCH', `/api/v1/queues/${newId()}`, adminToken, { online: true })).status).to.equal(
      404,
    );
  });

  it('deletes a queue with DELETE, auditing its name, and answers 404 afterwards', async () => {
    const queues = (await api('GET', '/api/v1/queues', adminToken)).body.queues as Array<
      Record<string, string>
    >;
    const web = queues.find((q) => q.name === 'Web') as Record<string, string>;
    const deleted = await api('DELETE', `/api/v1/queues/${web.id}`, adminToken);
    expect(deleted.status).to.equal(204);
    expect((await api('GET', `/api/v1/queues/${web.id}`, adminToken)).status).to.equal(404);
    expect((await api('DELETE', `/api/v1/queues/${web.id}`, adminToken)).status).to.equal(404);
    const rows = await auditRows('queue.delete');
    expect(rows.map((row) => [row.targetId, row.outcome, JSON.parse(row.details).name])).to.have.deep.members(
      [
        [web.id, 'ok', 'Web'],
        [web.id, 'failed', undefined],
      ],
    );
  });
});
