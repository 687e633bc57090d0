/**
 * Integration tests of console sign-in by LDAP bind, on SQLite and MariaDB: central started in-process as in
 * production, an LDAP source added and synced through the REST API from a real slapd, then
 * `POST /api/v1/auth/login` as the synced users. A right password gives a token; a wrong password, an unknown
 * user and a user unknown to the directory get the same answer; a user removed from LDAP and disabled by a sync
 * is refused even when LDAP takes them back; and a source that stops answering gives LDAP_UNAVAILABLE (503).
 */
import { expect } from 'chai';
import { createSilentLogger, ErrorCode, loadConfig } from '@quire/common';
import { forEachDriver, generateLdapDirectory, type Slapd, jsonRequest } from '@quire/testkit';
import { startCentral, type CentralServer } from '../src/server';
import { centralDataDir, centralEnv, ldapSourceInput, startSlapdWith, userLdif } from './ldap-sync-fixture';

const ADMIN_PASSWORD = 'ldap-login-admin-password';
const SOURCE = 'staff';

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

function api(base: string, method: string, route: string, token?: string, body?: unknown) {
  return jsonRequest<Json>(base, method, route, token, body);
}

forEachDriver('central sign-in by LDAP bind', (_driver, getUrl) => {
  // Users 0-9 have an LDAP password; the others have none.
  const directory = generateLdapDirectory({ users: 40, groups: 6, memberOf: true });
  const withPassword = (index: number) => {
    const user = directory.user(index);
    return { user, password: user.password as string };
  };
  let slapd: Slapd;
  let central: CentralServer;
  let base: string;
  let admin: string;

  const login = (username: string, password: string) =>
    api(base, 'POST', '/api/v1/auth/login', undefined, { username, password });
  const sync = async () => {
    const res = await api(base, 'POST', `/api/v1/directory/sources/${SOURCE}/sync`, admin);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as Json & { counts: Record<string, number> };
  };
  const stateOf = async (username: string) => {
    const res = await api(base, 'GET', `/api/v1/users?search=${username}`, admin);
    return (res.body.users as Array<{ username: string; state: string }>).find((u) => u.username === username)
      ?.state;
  };

  before(async function () {
    this.timeout(120_000);
    slapd = await startSlapdWith(directory);
    const config = loadConfig({
      role: 'central',
      env: {
        ...centralEnv(await getUrl(), centralDataDir()),
        QUIRE_HTTP_HOST: '127.0.0.1',
        QUIRE_HTTP_PORT: '0',
        QUIRE_GRPC_HOST: '127.0.0.1',
        QUIRE_GRPC_PORT: '0',
        QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
    });
    central = await startCentral({ config, logger: createSilentLogger(), printOnce: () => undefined });
    base = `http://127.0.0.1:${central.httpPort}`;
    admin = (await login('admin', ADMIN_PASSWORD)).body.token as string;
    const saved = await api(
      base,
      'POST',
      '/api/v1/directory/sources',
      admin,
      ldapSourceInput(SOURCE, slapd, directory),
    );
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    expect(saved.body.bindPassword).to.equal('********');
    expect((await sync()).counts).to.include({ added: 40, conflicts: 0 });
  });

  after(async () => {
    await central?.stop();
    await slapd?.stop();
  });

  it('signs an LDAP user in with their LDAP password, and the token works', async () => {
    const { user, password } = withPassword(1);
    for (const attempt of ['first sign-in', 'again, with the console account in place']) {
      const res = await login(user.uid, password);
      expect(res.status, `${attempt}: ${JSON.stringify(res.body)}`).to.equal(200);
      const me = await api(base, 'GET', '/api/v1/auth/me', res.body.token as string);
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ username: user.uid, isAdmin: false });
    }
  });

  it('answers a wrong password and an unknown user alike, whatever the user is to LDAP', async () => {
    const signedInBefore = withPassword(1);
    const neverSignedIn = withPassword(2);
    const lateJoiner = {
      ...directory.user(3),
      uid: 'late-joiner',
      dn: `uid=late-joiner,${directory.peopleDn}`,
      employeeNumber: '999999',
      carLicense: [],
      pager: null,
      alias: null,
    };
    await slapd.add(userLdif(lateJoiner, 'Late-pw-1'));
    const refusals = {
      'wrong password, has a console account': await login(signedInBefore.user.uid, 'wrong-password'),
      'wrong password, first attempt': await login(neverSignedIn.user.uid, 'wrong-password'),
      'no LDAP password at all': await login(directory.user(20).uid, 'anything'),
      'unknown everywhere': await login('no-such-user', 'wrong-password'),
      'in LDAP, not synced yet': await login('late-joiner', 'Late-pw-1'),
      'right password, other case': await login(neverSignedIn.user.uid.toUpperCase(), neverSignedIn.password),
    };
    const unknown = refusals['unknown everywhere'];
    expect(unknown.status).to.equal(401);
    expect(unknown.body.error?.code).to.equal(ErrorCode.AuthInvalidCredentials);
    for (const [what, res] of Object.entries(refusals)) {
      expect({ status: res.status, body: res.body }, what).to.deep.equal({ status: 401, body: unknown.body });
    }
    expect((await login(neverSignedIn.user.uid, neverSignedIn.password)).status).to.equal(200);
    await slapd.delete([lateJoiner.dn]);
  });

  it('takes as long to refuse a wrong password as to refuse an unknown user', async () => {
    const { user, password } = withPassword(6);
    expect((await login(user.uid, password)).status).to.equal(200);
    const wrong: number[] = [];
    const unknown: number[] = [];
    const timed = async (into: number[], username: string) => {
      const started = process.hrtime.bigint();
      expect((await login(username, 'wrong-password')).status).to.equal(401);
      into.push(Number(process.hrtime.bigint() - started) / 1e6);
    };
    for (let round = 0; round < 3; round += 1) {
      await timed(wrong, user.uid);
      await timed(unknown, `no-such-user-${round}`);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
    const shown = (values: number[]) => values.map((ms) => ms.toFixed(1)).join(', ');
    expect(median(wrong), `wrong password ${shown(wrong)} ms; unknown ${shown(unknown)} ms`).to.be.at.least(
      median(unknown) / 2,
    );
  });

  it('refuses a user removed from LDAP and disabled by a sync, even after LDAP takes them back', async () => {
    const { user, password } = withPassword(4);
    expect((await login(user.uid, password)).status).to.equal(200);
    await slapd.delete([user.dn]);
    expect((await sync()).counts).to.include({ disabled: 1, added: 0 });
    expect(await stateOf(user.uid)).to.equal('disabled');
    const refused = await login(user.uid, password);
    expect(refused.status).to.equal(401);
    expect(refused.body.error?.code).to.equal(ErrorCode.AuthInvalidCredentials);

    await slapd.add(userLdif(user, password));
    const stillRefused = await login(user.uid, password);
    expect(stillRefused.status, 'the directory, not LDAP alone, decides').to.equal(401);
    expect((await sync()).counts).to.include({ updated: 1, disabled: 0 });
    expect(await stateOf(user.uid)).to.equal('active');
    expect((await login(user.uid, password)).status).to.equal(200);
  });

  it('answers LDAP_UNAVAILABLE (503) when the source stops answering; local accounts still sign in', async () => {
    const { user, password } = withPassword(5);
    slapd.kill('SIGKILL');
    const res = await login(user.uid, password);
    expect(res.status).to.equal(503);
    expect(res.body.error?.code).to.equal(ErrorCode.LdapUnavailable);
    expect(res.body.error?.message).to.equal(`The LDAP servers of source "${SOURCE}" do not answer`);
    expect((await login('admin', ADMIN_PASSWORD)).status).to.equal(200);
  });
});
