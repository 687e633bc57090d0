/**
 * A real net-snmp snmpd as a printer stand-in: the reference agent for SNMPv3 (USM user with authPriv) and for
 * checking our reader against an implementation other than snmpsim. Printer-MIB values are `override` lines,
 * taken from a fixture and/or given explicitly; they are static. snmpd's own system, interfaces and
 * host-resources objects answer wherever no override covers them.
 *
 * The endpoint is given only by `agentAddress` (also giving it on the command line makes snmpd bind twice and
 * exit), `-C` keeps the machine's snmpd.conf out, `-m ""` keeps MIB loading quiet, and SNMP_PERSISTENT_DIR keeps
 * the localized USM keys snmpd persists inside the test's own directory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDebianPackages } from './debian';
import { type ManagedProcess, startProcess } from './process';
import { track } from './registry';
import { testRunDir } from './run-dir';
import { type SnmpFixtureName, type SnmprecRecord, readSnmpFixture } from './snmp-fixtures';
import {
  type SnmpV3User,
  assertCommunity,
  assertLoopbackAddress,
  assertV3User,
  pickAgentPort,
  waitForSnmpAgent,
} from './snmp-cli';

/** One `override OID TYPE VALUE` line. An octet_str value of `0x` + hex digits is taken as bytes. */
export interface SnmpdOverride {
  oid: string;
  type: 'integer' | 'counter' | 'octet_str' | 'object_id';
  value: string | number;
}

/** Options for {@link startSnmpd}. */
export interface StartSnmpdOptions {
  /** Default 127.0.0.1; must be in 127.0.0.0/8. */
  address?: string;
  /** UDP port; default one free on the address. */
  port?: number;
  /** Read-only community for 127.0.0.0/8, default `public`. */
  community?: string;
  /** A USM user allowed to read with authPriv. */
  v3?: SnmpV3User;
  /** Serve this fixture's values as overrides (all but its TimeTicks and IpAddress rows). */
  fixture?: SnmpFixtureName;
  /** More overrides; they win over the fixture's for the same OID. */
  overrides?: SnmpdOverride[];
}

/** A running snmpd, as returned by {@link startSnmpd}. */
export interface Snmpd {
  readonly address: string;
  readonly port: number;
  readonly pid: number;
  /** Stop snmpd (SIGTERM, SIGKILL after 5 s) and delete its directory. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const INTEGER_RANGE: Record<string, readonly [number, number]> = {
  integer: [-2147483648, 2147483647],
  counter: [0, 4294967295],
  uinteger: [0, 4294967295],
};
// snmpsim type tags that snmpd's override can express (it has no TimeTicks or IpAddress).
const OVERRIDE_TYPE_OF_TAG: Record<string, string> = {
  '2': 'integer',
  '65': 'counter',
  '66': 'uinteger',
  '4': 'octet_str',
  '4x': 'octet_str',
  '6': 'object_id',
};

function overrideValue(type: string, value: string, raw: string | number): string {
  if (type === 'object_id') {
    const bare = value.replace(/^\./, '');
    if (!/^\d+(\.\d+)+$/.test(bare))
      throw new Error(`object_id override value "${value}" is not a numeric OID`);
    return `.${bare}`;
  }
  if (type === 'octet_str') {
    if (/^0x([0-9a-fA-F]{2})*$/.test(value)) return value;
    // Plain printable text goes quoted; anything a config line could misread goes as hex bytes.
    if (/^[\x20-\x7e]*$/.test(value) && !/["\\]/.test(value)) return `"${value}"`;
    return `0x${Buffer.from(value, 'utf8').toString('hex')}`;
  }
  const [min, max] = INTEGER_RANGE[type];
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${type} override value ${JSON.stringify(raw)} is not an integer in ${min}..${max}`);
  }
  return String(number);
}

function overrideLine(oid: string, type: string, value: string | number): string {
  const bare = oid.replace(/^\./, '');
  if (!/^\d+(\.\d+)+$/.test(bare)) throw new Error(`override OID "${oid}" is not numeric`);
  if (!(type in INTEGER_RANGE) && type !== 'octet_str' && type !== 'object_id') {
    throw new Error(`unsupported override type ${JSON.stringify(type)}`);
  }
  return `override .${bare} ${type} ${overrideValue(type, String(value), value)}`;
}

function fixtureOverrides(records: SnmprecRecord[]): Map<string, string> {
  const lines = new Map<string, string>();
  for (const record of records) {
    const type = OVERRIDE_TYPE_OF_TAG[record.tag];
    if (!type) continue;
    const value = record.tag === '4x' ? `0x${record.value}` : record.value;
    lines.set(record.oid, overrideLine(record.oid, type, value));
  }
  return lines;
}

function configuration(address: string, port: number, community: string, options: StartSnmpdOptions): string {
  const overrides = options.fixture
    ? fixtureOverrides(readSnmpFixture(options.fixture))
    : new Map<string, string>();
  for (const override of options.overrides ?? []) {
    overrides.set(override.oid.replace(/^\./, ''), overrideLine(override.oid, override.type, override.value));
  }
  const v3 = options.v3;
  return [
    `agentAddress udp:${address}:${port}`,
    `rocommunity ${community} 127.0.0.0/8`,
    'dontLogTCPWrappersConnects yes',
    ...(v3
      ? [
          `createUser ${v3.user} ${v3.authProtocol} "${v3.authKey}" ${v3.privProtocol} "${v3.privKey}"`,
          `rouser ${v3.user} priv`,
        ]
      : []),
    ...overrides.values(),
    '',
  ].join('\n');
}

/**
 * Install snmpd and the snmp tools if needed, then start snmpd in the foreground on UDP `address:port` with a
 * private configuration: the community, the optional v3 user and the overrides. Resolves once it answers a GET;
 * throws with snmpd's output when it exits or stays silent for 30 s, after cleaning up.
 */
export async function startSnmpd(options: StartSnmpdOptions = {}): Promise<Snmpd> {
  const address = options.address ?? '127.0.0.1';
  const community = options.community ?? 'public';
  assertLoopbackAddress(address);
  assertCommunity(community);
  if (options.v3) assertV3User(options.v3);
  await ensureDebianPackages(['snmpd', 'snmp']);
  const port = await pickAgentPort([address], options.port);
  const conf = configuration(address, port, community, options);
  const dir = mkdtempSync(path.join(testRunDir(), `snmpd-${address}-`));
  let proc: ManagedProcess | undefined;
  try {
    mkdirSync(path.join(dir, 'persist'));
    const confFile = path.join(dir, 'snmpd.conf');
    writeFileSync(confFile, conf, { mode: 0o600 });
    proc = startProcess({
      name: `snmpd-${address}`,
      command: 'snmpd',
      args: ['-f', '-Lo', '-C', '-c', confFile, '-m', ''],
      env: { SNMP_PERSISTENT_DIR: path.join(dir, 'persist') },
    });
    await waitForSnmpAgent(proc, { address, port, community }, READY_TIMEOUT_MS);
  } catch (err) {
    await proc?.stop(5_000).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const server = proc;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await server.stop(5_000);
      untrack();
      rmSync(dir, { recursive: true, force: true });
    })());
  const untrack = track({
    description: `snmpd on ${address}:${port}`,
    stop,
    killNow: () => server.kill('SIGKILL'),
  });
  return { address, port, pid: server.pid, stop };
}
