/**
 * The configuration schema: every setting Quire reads, with its one documented default.
 *
 * A setting `section.key` is set by the environment variable `QUIRE_<SECTION>_<KEY>` (camelCase keys become
 * SNAKE_CASE: `federation.heartbeatSeconds` is `QUIRE_FEDERATION_HEARTBEAT_SECONDS`) or by the same path in the
 * `--config` file. The environment wins over the file, and the file over the default. docs/configuration.md is
 * generated from this table (`npm run docs:config`), and a unit test keeps the two in step.
 */
import { availableParallelism, hostname } from 'node:os';
import path from 'node:path';
import {
  booleanSetting,
  enumSetting,
  integerSetting,
  portSetting,
  stringSetting,
  type Setting,
} from './setting';

const both = ['central', 'site'] as const;
const centralOnly = ['central'] as const;
const siteOnly = ['site'] as const;

export const configSchema = {
  data: {
    dir: stringSetting({
      roles: both,
      defaultValue: './var',
      doc: 'Directory for everything the server writes: the embedded SQLite database, the spool, the site credential. Created at start-up if missing.',
      allowEmpty: false,
    }),
  },
  db: {
    url: stringSetting({
      roles: both,
      defaultValue: ({ role, resolved }) => `sqlite:${path.join(String(resolved.data.dir), `${role}.db`)}`,
      defaultDoc: '`sqlite:<data dir>/<role>.db` (central.db or site.db)',
      doc: 'Database. `sqlite:PATH` for the embedded SQLite database (small sites, demos), or `mysql://user:pass@host:port/db` for MySQL/MariaDB (production).',
      pattern: /^(sqlite:.+|mysql:\/\/.+)$/,
      patternDoc: '`sqlite:PATH` or `mysql://user:pass@host:port/db`',
      allowEmpty: false,
      secret: true,
    }),
    poolSize: integerSetting(1, 200, {
      roles: both,
      defaultValue: 10,
      doc: 'Maximum connections in the MySQL/MariaDB pool. Ignored for SQLite, which uses one connection.',
    }),
  },
  http: {
    host: stringSetting({
      roles: both,
      defaultValue: '0.0.0.0',
      doc: 'Address the HTTP server (REST API, console, health and metrics) listens on.',
      allowEmpty: false,
    }),
    port: portSetting({
      roles: both,
      defaultValue: ({ role }) => (role === 'central' ? 8080 : 8090),
      defaultDoc: '8080 on central, 8090 on a site',
      doc: 'HTTP port for the REST API, `/healthz`, `/readyz` and `/metrics`.',
    }),
    shutdownTimeoutSeconds: integerSetting(0, 600, {
      roles: both,
      defaultValue: 10,
      doc: 'On SIGINT/SIGTERM, how long in-flight requests may take to finish before their connections are closed.',
    }),
  },
  log: {
    level: enumSetting(['error', 'warn', 'info', 'http', 'debug'] as const, {
      roles: both,
      defaultValue: 'info',
      doc: 'Lowest level written to the JSON log on standard output. `http` adds one line per request.',
    }),
  },
  admin: {
    username: stringSetting({
      roles: both,
      defaultValue: 'admin',
      doc: 'User name of the first administrator, created when the user table is empty.',
      pattern: /^[A-Za-z0-9._@-]{1,64}$/,
      patternDoc: '1–64 letters, digits, `.`, `_`, `@` or `-`',
      allowEmpty: false,
    }),
    password: stringSetting({
      roles: both,
      defaultValue: '',
      defaultDoc: 'none: a random password is generated and printed once',
      doc: 'Password of the first administrator, used only when that account is created. When empty, a random password is generated and printed once on standard error. At least 8 characters.',
      pattern: /^.{8,}$/,
      patternDoc: 'at least 8 characters',
      secret: true,
    }),
  },
  auth: {
    tokenTtlMinutes: integerSetting(1, 43200, {
      roles: both,
      defaultValue: 480,
      doc: 'Lifetime of a bearer token from `POST /api/v1/auth/login`.',
    }),
    maxFailedLogins: integerSetting(1, 100, {
      roles: both,
      defaultValue: 5,
      doc: 'Consecutive failed logins after which an account is locked.',
    }),
    lockoutMinutes: integerSetting(1, 1440, {
      roles: both,
      defaultValue: 15,
      doc: 'How long a locked account stays locked.',
    }),
  },
  grpc: {
    host: stringSetting({
      roles: centralOnly,
      defaultValue: '0.0.0.0',
      doc: 'Address the federation gRPC server listens on.',
      allowEmpty: false,
    }),
    port: portSetting({
      roles: centralOnly,
      defaultValue: 8093,
      doc: 'Port of the federation gRPC server that sites connect to.',
    }),
    tlsCertFile: stringSetting({
      roles: centralOnly,
      defaultValue: '',
      defaultDoc: "empty: with `federation.tls` `auto`, a certificate signed by central's own federation CA",
      doc: "PEM certificate (chain) the federation server presents, with `grpc.tlsKeyFile`: the operator's own certificate instead of one from central's CA. Required when `federation.tls` is `files`.",
    }),
    tlsKeyFile: stringSetting({
      roles: centralOnly,
      defaultValue: '',
      defaultDoc: 'empty: with `federation.tls` `auto`, the key of the generated certificate',
      doc: 'PEM private key matching `grpc.tlsCertFile`.',
    }),
    tlsAltNames: stringSetting({
      roles: centralOnly,
      defaultValue: '',
      defaultDoc: 'empty: localhost, 127.0.0.1, ::1 and the host name only',
      doc: 'Comma-separated list of extra DNS names and IP addresses sites use to reach central (`central.example.org, 10.0.0.5`), written into the federation server certificate central generates. The certificate is issued again at the next start when this list changes; sites keep trusting the same CA.',
      pattern: /^[A-Za-z0-9.:*-]+(\s*,\s*[A-Za-z0-9.:*-]+)*$/,
      patternDoc: 'comma-separated host names and IP addresses',
    }),
  },
  federation: {
    enrolmentTokenTtlHours: integerSetting(1, 720, {
      roles: centralOnly,
      defaultValue: 72,
      doc: 'How long a one-time site enrolment token stays valid.',
    }),
    heartbeatSeconds: integerSetting(1, 300, {
      roles: both,
      defaultValue: 10,
      doc: 'Interval between heartbeats on the federation session, sent by both sides.',
    }),
    heartbeatTimeoutSeconds: integerSetting(2, 900, {
      roles: both,
      defaultValue: 30,
      doc: 'A session with no message from the peer for this long is closed (and, on a site, reconnected).',
    }),
    reconnectMinMs: integerSetting(50, 60000, {
      roles: siteOnly,
      defaultValue: 500,
      doc: 'First reconnect delay after the link to central drops. Each failed attempt doubles it, with jitter.',
    }),
    reconnectMaxMs: integerSetting(100, 600000, {
      roles: siteOnly,
      defaultValue: 15000,
      doc: 'Upper bound of the reconnect delay.',
    }),
    tls: enumSetting(['auto', 'files', 'off'] as const, {
      roles: centralOnly,
      defaultValue: 'auto',
      doc: 'TLS of the federation server. `auto`: central keeps its own CA in `<data dir>/federation-tls/` (generated on first start, reused afterwards; `quire-central federation ca` prints it for the sites) and serves a certificate signed by it, or `grpc.tlsCertFile` when set; the CA also signs site client certificates. `files`: `grpc.tlsCertFile` and `grpc.tlsKeyFile` only, no CA (so no `federation.mtls`). `off`: plaintext, for a link that never leaves a trusted network.',
    }),
    mtls: booleanSetting({
      roles: centralOnly,
      defaultValue: false,
      doc: "Mutual TLS: every session must present the client certificate central's CA issued to that site at enrolment, on top of its credential, and a certificate only ever opens its own site's session. Enrolment without a certificate request is refused. Needs `federation.tls` `auto`; sites need `central.clientCertificate`.",
    }),
  },
  site: {
    name: stringSetting({
      roles: siteOnly,
      defaultValue: () => hostname(),
      defaultDoc: "the machine's host name",
      doc: 'Name of this site, as shown at central. Informational once enrolled: central knows the site by its id.',
      allowEmpty: false,
    }),
  },
  central: {
    address: stringSetting({
      roles: siteOnly,
      defaultValue: '',
      defaultDoc: 'empty: standalone site',
      doc: "Central's federation address as `host:port`. Empty runs the site standalone, without federation.",
      pattern: /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
      patternDoc: '`host:port`',
    }),
    tls: booleanSetting({
      roles: siteOnly,
      defaultValue: false,
      doc: 'Connect to central over TLS.',
    }),
    caFile: stringSetting({
      roles: siteOnly,
      defaultValue: '',
      defaultDoc: "empty: the system's trusted CAs",
      doc: "PEM CA certificate that signed central's federation certificate (with `central.tls`): the output of `quire-central federation ca` when central generates its own.",
    }),
    clientCertificate: booleanSetting({
      roles: siteOnly,
      defaultValue: false,
      doc: 'At enrolment, ask central for a client certificate (the key is made here and never leaves the site) and present it on every session: needed when central has `federation.mtls` on, harmless otherwise. Kept with the credential in `<data dir>/federation/credential.json`. Needs `central.tls`; it takes effect at enrolment only.',
    }),
  },
  enrolment: {
    token: stringSetting({
      roles: siteOnly,
      defaultValue: '',
      doc: "One-time enrolment token from central's `POST /api/v1/sites`. Used once, when the site has no credential yet; the credential it is exchanged for is kept in the data dir.",
      secret: true,
    }),
  },
  spool: {
    dir: stringSetting({
      roles: siteOnly,
      defaultValue: ({ resolved }) => path.join(String(resolved.data.dir), 'spool'),
      defaultDoc: '`<data dir>/spool`',
      doc: 'Where received print jobs are stored until they are printed or deleted.',
      allowEmpty: false,
    }),
    minFreeMb: integerSetting(0, 1048576, {
      roles: siteOnly,
      defaultValue: 100,
      doc: 'The site reports not ready (`/readyz` 503) when the spool file system has less free space than this, in MiB, so a load balancer or monitor notices before jobs are refused.',
    }),
  },
  ipp: {
    host: stringSetting({
      roles: siteOnly,
      defaultValue: '0.0.0.0',
      doc: 'Address the IPP and IPPS listeners bind to.',
      allowEmpty: false,
    }),
    port: portSetting({
      roles: siteOnly,
      defaultValue: 631,
      doc: 'IPP print intake port (`ipp://HOST:PORT/printers/QUEUE`, the CUPS path, so `lp -h HOST:PORT -d QUEUE` works).',
    }),
    ippsPort: portSetting({
      roles: siteOnly,
      defaultValue: 0,
      defaultDoc: '0: IPPS off',
      doc: 'IPPS (IPP over TLS) port, `ipps://HOST:PORT/printers/QUEUE`. 0 turns IPPS off.',
    }),
    tlsCertFile: stringSetting({
      roles: siteOnly,
      defaultValue: '',
      defaultDoc: 'empty: a self-signed certificate generated on first start',
      doc: 'PEM certificate for IPPS. When empty and IPPS is on, a self-signed certificate is generated once and kept in `<data dir>/tls/`.',
    }),
    tlsKeyFile: stringSetting({
      roles: siteOnly,
      defaultValue: '',
      doc: 'PEM private key matching `ipp.tlsCertFile`.',
    }),
  },
  lpd: {
    host: stringSetting({
      roles: siteOnly,
      defaultValue: '0.0.0.0',
      doc: 'Address the LPD listener binds to.',
      allowEmpty: false,
    }),
    port: portSetting({
      roles: siteOnly,
      defaultValue: 515,
      doc: 'LPD (RFC 1179) print intake port. 0 turns LPD off.',
    }),
    timeoutSeconds: integerSetting(1, 3600, {
      roles: siteOnly,
      defaultValue: 60,
      doc: 'An LPD connection that sends nothing for this long is closed, and a job it was sending is discarded.',
    }),
  },
  raw: {
    host: stringSetting({
      roles: siteOnly,
      defaultValue: '0.0.0.0',
      doc: 'Address raw socket listeners bind to. Which ports listen, and for which queue, is a queue setting.',
      allowEmpty: false,
    }),
    idleTimeoutSeconds: integerSetting(1, 3600, {
      roles: siteOnly,
      defaultValue: 30,
      doc: 'A raw socket job ends at EOF, or when the client sends nothing for this long.',
    }),
  },
  jobs: {
    maxSizeMb: integerSetting(1, 1048576, {
      roles: siteOnly,
      defaultValue: 600,
      doc: 'Largest job accepted, in MiB, enforced while streaming: a larger job is refused with a clear protocol error and nothing of it is kept.',
    }),
    retentionDays: integerSetting(1, 3650, {
      roles: siteOnly,
      defaultValue: 7,
      doc: 'Jobs submitted longer ago than this many days are deleted (soft: the row and its history stay for reports) with their spool files, by the retention task. Favourites are kept until their owner removes them; jobs being printed are left alone.',
    }),
    retentionSchedule: stringSetting({
      roles: siteOnly,
      defaultValue: '17 3 * * *',
      doc: "When the retention task runs, as a cron expression (minute hour day month weekday, in the server's time zone). The default runs it daily at 03:17.",
      allowEmpty: false,
    }),
  },
  release: {
    connectTimeoutSeconds: integerSetting(1, 300, {
      roles: siteOnly,
      defaultValue: 5,
      doc: 'How long a release waits to connect to a printer. Past it the job fails with `printer unreachable` and can be released again.',
    }),
    idleTimeoutSeconds: integerSetting(1, 3600, {
      roles: siteOnly,
      defaultValue: 60,
      doc: 'A printer that accepts no byte and answers nothing for this long fails the release with `timeout` (a printer out of paper stalls its socket).',
    }),
    totalTimeoutMinutes: integerSetting(1, 1440, {
      roles: siteOnly,
      defaultValue: 60,
      doc: 'Longest time one release may take, from connecting until the printer has the whole job (IPP: until it reports the job completed).',
    }),
  },
  directory: {
    lookupKey: stringSetting({
      roles: centralOnly,
      defaultValue: '',
      defaultDoc: 'empty: a random key generated on first start and kept in `<data dir>/lookup-key`',
      doc: 'Key of the HMAC that turns PINs and card numbers into the lookup keys the directory stores (never the PIN or card itself). Sites receive the keys, not this secret; changing it makes every stored PIN and card unfindable.',
      secret: true,
    }),
    sourcesFile: stringSetting({
      roles: centralOnly,
      defaultValue: '',
      defaultDoc: 'empty: sources are added through the API only',
      doc: 'YAML or JSON file with `sources:`, a list of LDAP directory sources in the same shape as `POST /api/v1/directory/sources`. Read at start-up; an invalid source stops central with exit code 2. Sources from this file cannot be changed through the API.',
    }),
    pinMinLength: integerSetting(4, 16, {
      roles: centralOnly,
      defaultValue: 4,
      doc: 'Shortest PIN accepted or generated. Generated PINs are longer when the directory is large: 5 digits from 1,000 users, 6 from 10,000, one more per factor of ten.',
    }),
  },
  terminal: {
    sessionIdleSeconds: integerSetting(10, 86400, {
      roles: siteOnly,
      defaultValue: 300,
      doc: 'A terminal session (a user signed in at a printer) that makes no request for this long ends; the web release station also logs out after its own, shorter idle time.',
    }),
    printAllOnLogin: booleanSetting({
      roles: siteOnly,
      defaultValue: false,
      doc: 'Release every ready job of the user at the printer as soon as they sign in at its terminal (MyQ\'s "print all jobs after logging"). The jobs are sent in queue-priority order; delegated jobs are not included.',
    }),
    lookupKey: stringSetting({
      roles: siteOnly,
      defaultValue: '',
      defaultDoc: 'empty: a random key generated on first start and kept in `<data dir>/lookup-key`',
      doc: 'Key of the HMAC that turns PINs and card numbers into the lookup keys stored in the directory cache (never the PIN or card itself). Central sends the key of the organisation; set it here only for a standalone site.',
      secret: true,
    }),
  },
  analysis: {
    workers: integerSetting(1, 256, {
      roles: siteOnly,
      defaultValue: () => Math.min(256, availableParallelism()),
      defaultDoc: 'the number of CPU cores (`os.availableParallelism()`)',
      doc: 'Worker threads that analyse print jobs (language, pages, colour, copies, duplex, paper) after they are spooled. Each holds at most one job in memory at a time, with a bounded heap.',
    }),
    timeLimitSeconds: integerSetting(1, 3600, {
      roles: siteOnly,
      defaultValue: 60,
      doc: "Time limit for one job's analysis. Past it the counts found so far are kept, marked partial, with a warning; a worker that does not stop is replaced.",
    }),
    mode: enumSetting(['standard', 'enhanced'] as const, {
      roles: siteOnly,
      defaultValue: 'standard',
      doc: "Colour detection. `standard`: from each language's colour operators, in process. `enhanced`: PostScript and PDF colour per page from ghostscript's ink coverage (`gs -sDEVICE=inkcov`), which starts a ghostscript process per job and renders every page (12 to 30 times slower than standard in `npm run bench -- pdl`); without ghostscript installed, standard, with a warning on the job.",
    }),
  },
  printers: {
    pollIntervalSeconds: integerSetting(10, 3600, {
      roles: siteOnly,
      defaultValue: 60,
      doc: 'How often each monitored printer is read over SNMP (status, supplies, trays, counters, alerts). Polls are spread evenly over the interval, so 600 printers at 60 s make 10 polls a second, never a burst.',
    }),
    pollConcurrency: integerSetting(1, 256, {
      roles: siteOnly,
      defaultValue: 16,
      doc: "Most printers read at the same time. A printer that does not answer holds its slot for its profile's timeout times its retries, so raise this when many printers are often off.",
    }),
    counterSnapshotMinutes: integerSetting(1, 1440, {
      roles: siteOnly,
      defaultValue: 15,
      doc: 'Least time between two stored page-counter snapshots of one printer (they feed the SNMP counter report on central). A snapshot is stored only when a counter changed, and at least once a day.',
    }),
    discoveryConcurrency: integerSetting(1, 1024, {
      roles: siteOnly,
      defaultValue: 64,
      doc: "Most addresses a discovery probes at the same time. Each probe is a few small UDP packets; silent addresses cost their profile's timeout.",
    }),
    webhookTimeoutSeconds: integerSetting(1, 120, {
      roles: siteOnly,
      defaultValue: 10,
      doc: 'How long a printer-event webhook waits for the receiving server to answer before the delivery counts as failed.',
    }),
  },
} satisfies Record<string, Record<string, Setting<unknown>>>;

export type ConfigSchema = typeof configSchema;

/** The resolved, typed configuration. */
export type QuireConfig = {
  readonly [S in keyof ConfigSchema]: {
    readonly [K in keyof ConfigSchema[S]]: ConfigSchema[S][K] extends Setting<infer T> ? T : never;
  };
} & { readonly role: 'central' | 'site' };
