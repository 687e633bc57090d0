/**
 * A real, throw-away OpenLDAP slapd for tests and benchmarks: its own cn=config (mdb database for
 * `dc=quire,dc=test`, the memberof overlay, size limits as asked, optionally TLS with a throw-away CA), data in
 * the test run directory, a free port on 127.0.0.1, run in the foreground and stopped by PID.
 *
 * Bulk data is best loaded with `slapadd` before the server starts (`preload`): it is an order of magnitude
 * faster than ldapadd over the wire, but it bypasses overlays, so such a file must carry its own `memberOf`
 * values (see ldap-directory.ts). Small changes during a test go through ldapadd/ldapmodify/ldapdelete, where
 * the memberof overlay maintains `memberOf` itself.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDebianPackages } from './debian';
import { runCommand, tailLines } from './exec';
import { freePort } from './ports';
import { type ManagedProcess, startProcess } from './process';
import { track } from './registry';
import { testRunDir } from './run-dir';

/** The suffix of every test directory. */
export const SLAPD_BASE_DN = 'dc=quire,dc=test';

/** Options for {@link startSlapd}. */
export interface StartSlapdOptions {
  /**
   * An LDIF file loaded with `slapadd -q` before the server starts. It must not contain the base entry (the
   * server creates it) and must list parents before children.
   */
  preload?: string;
  /**
   * slapd's `olcSizeLimit` for everyone but the rootdn (slapd never limits the rootdn, so size-limit tests must
   * bind as {@link Slapd.readerDn}). A plain number is a hard cap that paged searches cannot get around either;
   * `size.soft=500 size.hard=unlimited size.pr=500 size.prtotal=unlimited` caps plain searches only, as Active
   * Directory's MaxPageSize does. Default `unlimited`.
   */
  sizeLimit?: number | string;
  /**
   * Also serve TLS: a throw-away CA signs a certificate for 127.0.0.1 and localhost, slapd listens on an extra
   * ldaps:// port and accepts StartTLS on the plain one. Default false.
   */
  tls?: boolean;
}

/** A running slapd, as returned by {@link startSlapd}. */
export interface Slapd {
  /** `ldap://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly baseDn: string;
  /** The rootdn: full access, never subject to size limits. */
  readonly adminDn: string;
  readonly adminPassword: string;
  /** A plain account that may read the whole tree, subject to `sizeLimit` (a sync service account). */
  readonly readerDn: string;
  readonly readerPassword: string;
  /** `ldaps://127.0.0.1:PORT` when started with `tls`, otherwise null. */
  readonly ldapsUrl: string | null;
  /** The PEM file of the CA that signed the server certificate, when started with `tls`. */
  readonly caFile: string | null;
  /** Whether the memberof overlay is loaded (it is part of Debian's slapd; false only on odd builds). */
  readonly memberOf: boolean;
  /** Add the entries of `ldif` (ldapadd -c: every entry is tried; any failure rejects, quoting slapd's answer). */
  add(ldif: string): Promise<void>;
  /** Apply an LDIF of `changetype:` records with ldapmodify. */
  modify(ldif: string): Promise<void>;
  /** Delete entries by DN with ldapdelete (leaves only; delete children first). */
  delete(dns: readonly string[]): Promise<void>;
  /** Send `signal` to slapd by PID, at once; for tests of a server that vanishes mid-operation. */
  kill(signal?: NodeJS.Signals): void;
  /** Stop slapd (SIGTERM, SIGKILL after 10 s) and delete its data. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const MODULE_DIR = '/usr/lib/ldap';
const SCHEMA_DIR = '/etc/ldap/schema';
const READY_TIMEOUT_MS = 30_000;
const TOOL_TIMEOUT_MS = 30 * 60 * 1000;
// The package's own configuration (a dc=example,dc=org database with a preseeded admin password) is never
// used, so skip creating it: no default credentials are left on the machine.
const SLAPD_DEBCONF = 'slapd slapd/no_configuration boolean true\n';

interface SlapdLayout {
  dir: string;
  configDir: string;
  dataDir: string;
  adminPasswordFile: string;
  /** CA, certificate and key files when TLS is on. */
  tls: { ca: string; cert: string; key: string } | null;
}

function configLdif(
  layout: SlapdLayout,
  adminPassword: string,
  sizeLimit: string,
  memberOf: boolean,
): string {
  const modules = ['back_mdb', ...(memberOf ? ['memberof'] : [])];
  const schemas = ['core', 'cosine', 'nis', 'inetorgperson'];
  const overlay = memberOf
    ? [
        `dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config`,
        'objectClass: olcOverlayConfig',
        'objectClass: olcMemberOf',
        'olcOverlay: {0}memberof',
        'olcMemberOfRefInt: FALSE',
        '',
      ]
    : [];
  return [
    'dn: cn=config',
    'objectClass: olcGlobal',
    'cn: config',
    'olcLogLevel: none',
    ...(layout.tls
      ? [
          `olcTLSCACertificateFile: ${layout.tls.ca}`,
          `olcTLSCertificateFile: ${layout.tls.cert}`,
          `olcTLSCertificateKeyFile: ${layout.tls.key}`,
        ]
      : []),
    '',
    'dn: cn=module{0},cn=config',
    'objectClass: olcModuleList',
    'cn: module{0}',
    `olcModulePath: ${MODULE_DIR}`,
    ...modules.map((name) => `olcModuleLoad: ${name}`),
    '',
    'dn: cn=schema,cn=config',
    'objectClass: olcSchemaConfig',
    'cn: schema',
    '',
    ...schemas.flatMap((name) => [`include: file://${SCHEMA_DIR}/${name}.ldif`, '']),
    'dn: olcDatabase={-1}frontend,cn=config',
    'objectClass: olcDatabaseConfig',
    'objectClass: olcFrontendConfig',
    'olcDatabase: {-1}frontend',
    `olcSizeLimit: ${sizeLimit}`,
    '',
    'dn: olcDatabase={0}config,cn=config',
    'objectClass: olcDatabaseConfig',
    'olcDatabase: {0}config',
    'olcAccess: {0}to * by * none',
    '',
    'dn: olcDatabase={1}mdb,cn=config',
    'objectClass: olcDatabaseConfig',
    'objectClass: olcMdbConfig',
    'olcDatabase: {1}mdb',
    `olcSuffix: ${SLAPD_BASE_DN}`,
    `olcRootDN: cn=admin,${SLAPD_BASE_DN}`,
    `olcRootPW: ${adminPassword}`,
    `olcDbDirectory: ${layout.dataDir}`,
    // The map is sparse; 100,000 users with their indexes take a few hundred MB.
    'olcDbMaxSize: 8589934592',
    ...['objectClass eq', 'uid eq', 'cn eq', 'mail eq', 'member eq', 'employeeNumber eq'].map(
      (index) => `olcDbIndex: ${index}`,
    ),
    'olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none',
    'olcAccess: {1}to * by users read by * none',
    '',
    ...overlay,
  ].join('\n');
}

function baseLdif(readerDn: string, readerPassword: string): string {
  return [
    `dn: ${SLAPD_BASE_DN}`,
    'objectClass: dcObject',
    'objectClass: organization',
    'dc: quire',
    'o: Quire tests',
    '',
    `dn: ${readerDn}`,
    'objectClass: person',
    'cn: quire-reader',
    'sn: quire-reader',
    `userPassword: ${readerPassword}`,
    '',
  ].join('\n');
}

async function mustRun(
  what: string,
  command: string,
  args: readonly string[],
  input?: string,
): Promise<void> {
  const result = await runCommand(command, args, { input, timeoutMs: TOOL_TIMEOUT_MS });
  if (result.code !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    throw new Error(`${what} failed: ${command} ${how}. Last output:\n${tailLines(result.output)}`);
  }
}

/** A throw-away CA and a server certificate it signed for 127.0.0.1 and localhost (EC keys: quick to make). */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const file = (name: string): string => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await mustRun('making a test CA', 'openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Quire test CA',
  ]);
  await mustRun('making a server key', 'openssl', [
    'req',
    ...ec,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  await mustRun('signing the server certificate', 'openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('san.cnf'),
  ]);
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}

async function buildConfig(
  layout: SlapdLayout,
  options: StartSlapdOptions,
  secrets: { admin: string; readerDn: string; reader: string },
  memberOf: boolean,
): Promise<void> {
  const sizeLimit = String(options.sizeLimit ?? 'unlimited');
  const configFile = path.join(layout.dir, 'config.ldif');
  writeFileSync(configFile, configLdif(layout, secrets.admin, sizeLimit, memberOf), { mode: 0o600 });
  await mustRun('building the slapd configuration', 'slapadd', [
    '-n',
    '0',
    '-F',
    layout.configDir,
    '-l',
    configFile,
  ]);
  const baseFile = path.join(layout.dir, 'base.ldif');
  writeFileSync(baseFile, baseLdif(secrets.readerDn, secrets.reader), { mode: 0o600 });
  await mustRun('loading the base entry', 'slapadd', [
    '-q',
    '-n',
    '1',
    '-F',
    layout.configDir,
    '-l',
    baseFile,
  ]);
  if (options.preload) {
    await mustRun(`loading ${options.preload} with slapadd`, 'slapadd', [
      '-q',
      '-n',
      '1',
      '-F',
      layout.configDir,
      '-l',
      options.preload,
    ]);
  }
}

async function waitUntilReady(server: ManagedProcess, url: string, layout: SlapdLayout): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const whoami = ['-x', '-H', url, '-D', `cn=admin,${SLAPD_BASE_DN}`, '-y', layout.adminPasswordFile];
  while (Date.now() < deadline) {
    if (server.exited)
      throw new Error(`slapd exited during start-up. Log: ${server.logFile}\n${server.tail()}`);
    const probe = await runCommand('ldapwhoami', whoami, { timeoutMs: 5_000 });
    if (probe.code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `slapd did not answer on ${url} within ${READY_TIMEOUT_MS / 1000} s. Log: ${server.logFile}`,
  );
}

function handleFor(
  server: ManagedProcess,
  layout: SlapdLayout,
  { port, tlsPort }: { port: number; tlsPort: number | null },
  secrets: { admin: string; readerDn: string; reader: string },
  memberOf: boolean,
): Slapd {
  const url = `ldap://${HOST}:${port}`;
  const adminDn = `cn=admin,${SLAPD_BASE_DN}`;
  const asAdmin = ['-x', '-H', url, '-D', adminDn, '-y', layout.adminPasswordFile];
  let stopping: Promise<void> | undefined;
  let killedOnPurpose = false;
  const removeData = (): void => rmSync(layout.dir, { recursive: true, force: true });
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const status = await server.stop(10_000);
      untrack();
      removeData();
      if (status.signal === 'SIGKILL' && !killedOnPurpose) throw new Error('slapd ignored SIGTERM for 10 s');
    })());
  const untrack = track({
    description: `slapd on ${url}`,
    stop,
    killNow: () => {
      server.kill('SIGKILL');
      removeData();
    },
  });
  return {
    url,
    port,
    pid: server.pid,
    baseDn: SLAPD_BASE_DN,
    adminDn,
    adminPassword: secrets.admin,
    readerDn: secrets.readerDn,
    readerPassword: secrets.reader,
    ldapsUrl: tlsPort ? `ldaps://${HOST}:${tlsPort}` : null,
    caFile: layout.tls?.ca ?? null,
    memberOf,
    add: (ldif) => mustRun('ldapadd', 'ldapadd', ['-c', ...asAdmin], ldif),
    modify: (ldif) => mustRun('ldapmodify', 'ldapmodify', asAdmin, ldif),
    delete: (dns) => mustRun('ldapdelete', 'ldapdelete', ['-c', ...asAdmin], `${dns.join('\n')}\n`),
    kill(signal = 'SIGKILL') {
      killedOnPurpose = true;
      server.kill(signal);
    },
    stop,
  };
}

/**
 * Install slapd and ldap-utils if needed (via {@link ensureDebianPackages}), build a private configuration in a
 * fresh directory under the test run directory, load `options.preload` with slapadd, and start slapd in the
 * foreground on a free port of 127.0.0.1. Resolves once the rootdn can bind; throws with slapd's output when it
 * does not come up within 30 s, after cleaning up. The base entry and a reader account always exist.
 */
export async function startSlapd(options: StartSlapdOptions = {}): Promise<Slapd> {
  await ensureDebianPackages(['slapd', 'ldap-utils', ...(options.tls ? ['openssl'] : [])], {
    debconf: SLAPD_DEBCONF,
  });
  const dir = mkdtempSync(path.join(testRunDir(), 'slapd-'));
  const layout: SlapdLayout = {
    dir,
    configDir: path.join(dir, 'slapd.d'),
    dataDir: path.join(dir, 'data'),
    adminPasswordFile: path.join(dir, 'admin.pw'),
    tls: null,
  };
  const secrets = {
    admin: randomBytes(12).toString('hex'),
    readerDn: `cn=quire-reader,${SLAPD_BASE_DN}`,
    reader: randomBytes(12).toString('hex'),
  };
  const memberOf = existsSync(path.join(MODULE_DIR, 'memberof.la'));
  let server: ManagedProcess | undefined;
  try {
    mkdirSync(layout.configDir);
    mkdirSync(layout.dataDir);
    writeFileSync(layout.adminPasswordFile, secrets.admin, { mode: 0o600 });
    if (options.tls) layout.tls = await makeCertificates(dir);
    await buildConfig(layout, options, secrets, memberOf);
    const port = await freePort(HOST);
    const tlsPort = options.tls ? await freePort(HOST) : null;
    const listeners = [`ldap://${HOST}:${port}/`, ...(tlsPort ? [`ldaps://${HOST}:${tlsPort}/`] : [])];
    server = startProcess({
      name: 'slapd',
      command: 'slapd',
      args: ['-d', '0', '-h', listeners.join(' '), '-F', layout.configDir],
    });
    await waitUntilReady(server, `ldap://${HOST}:${port}`, layout);
    return handleFor(server, layout, { port, tlsPort }, secrets, memberOf);
  } catch (err) {
    await server?.stop(10_000).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
