/**
 * @quire/testkit: real services for tests (MariaDB, managed processes, free ports, HTTP readiness), the
 * per-driver suite helper, and the mocha reporter and hooks used by scripts/run-tests.js.
 *
 * It depends on nothing from the product, so any package's tests (and the e2e suite) can use it.
 */
export { type EnsureDebianPackagesOptions, ensureDebianPackages, missingDebianPackages } from './debian';
export { type CommandResult, type RunCommandOptions, runCommand, tailLines } from './exec';
export { freePort } from './ports';
export { type ExitStatus, type StartProcessOptions, ManagedProcess, startProcess } from './process';
export { type WaitForHttpOptions, waitForHttp } from './http';
export { type JsonAnswer, jsonRequest } from './json-request';
export { type MariaDbServer, startMariaDb } from './mariadb';
export { sharedMariaDb, stopSharedMariaDb } from './shared-mariadb';
export {
  type TestDatabaseUrls,
  type TestDriver,
  forEachDriver,
  mariaDbTestUrl,
  sqliteTestUrl,
  testDatabaseUrl,
  testDatabaseUrls,
} from './databases';
export { type TrackedResource, stopAllTracked, track } from './registry';
export { repoRoot, testRunDir } from './run-dir';
export { mochaGlobalTeardown } from './mocha-hooks';
export { default as SummaryReporter, summaryLine } from './reporter';
export { type Cupsd, type StartCupsdOptions, CUPSD_BENCH_CONFIG, startCupsd } from './cupsd';
export {
  type IpptoolOutcome,
  IPPTOOL_SUITES_DIR,
  ipptoolFailureReport,
  parseIpptool,
  prepareIpptoolSuites,
  runIpptool,
} from './ipptool';
export * from './random';
export * from './chromium';
export {
  type LpdSink,
  type LpdSinkDataFile,
  type LpdSinkJob,
  type LpdSinkOptions,
  type PrintSink,
  type RawSinkFailure,
  type RawSinkJob,
  type RawSinkOptions,
  startLpdSink,
  startRawSink,
} from './print-sinks';
export { type UnacceptingPort, startUnacceptingPort } from './unaccepting-port';
export { type IppEvePrinter, type StartIppEvePrinterOptions, startIppEvePrinter } from './ippeveprinter';
export { type SmtpSink, type SmtpSinkMessage, type SmtpSinkOptions, startSmtpSink } from './smtp-sink';
export { type Slapd, type StartSlapdOptions, SLAPD_BASE_DN, startSlapd } from './slapd';
export {
  type GeneratedLdapGroup,
  type GeneratedLdapUser,
  type LdapDirectoryOptions,
  GeneratedLdapDirectory,
  escapeDnValue,
  generateLdapDirectory,
  ldifLine,
  sshaPassword,
} from './ldap-directory';
export {
  type SnmpFixture,
  type SnmpFixtureAlert,
  type SnmpFixtureName,
  type SnmpFixtureSupply,
  type SnmpFixtureTray,
  type SnmpValueType,
  SNMP_FIXTURE_NAMES,
  SNMP_FIXTURES,
  snmpFixtureFile,
} from './snmp-fixtures';
export { type SnmpV3User } from './snmp-cli';
export { type SnmpAgentSpec, type Snmpsim, type StartSnmpsimOptions, startSnmpsim } from './snmp-agents';
export { type Snmpd, type SnmpdOverride, type StartSnmpdOptions, startSnmpd } from './snmpd';
