/**
 * What the simulated SNMP agents (snmpsim and snmpd) share: input checks that keep every agent on loopback,
 * the choice of a UDP port free on every address, and GETs with net-snmp's `snmpget`, used to see that an agent
 * is up and serves what a test just set.
 */
import dgram from 'node:dgram';
import { type CommandResult, runCommand } from './exec';
import { freePort } from './ports';
import { type ManagedProcess } from './process';

/** An SNMPv3 USM user with authentication and privacy (authPriv). Keys need at least 8 characters. */
export interface SnmpV3User {
  user: string;
  authProtocol: 'MD5' | 'SHA';
  authKey: string;
  privProtocol: 'DES' | 'AES';
  privKey: string;
}

/** Where a v2c GET goes. */
export interface SnmpTarget {
  address: string;
  port: number;
  community: string;
}

const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const PORT_ATTEMPTS = 20;
// No token may hold whitespace or quotes: they end up in snmpd.conf lines and snmpsim's argument file.
const TOKEN = /^[A-Za-z0-9._~@+-]+$/;

/** Throw unless `address` is a dotted IPv4 address in 127.0.0.0/8: tests never talk SNMP to anything else. */
export function assertLoopbackAddress(address: string): void {
  const parts = address.split('.');
  const valid = parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
  if (!valid || parts[0] !== '127')
    throw new Error(`SNMP test agents must bind to 127.0.0.0/8, not "${address}"`);
}

/** Throw unless `community` can name a data file and sit in a configuration line. */
export function assertCommunity(community: string): void {
  if (!TOKEN.test(community) || community.startsWith('.') || community.length > 32) {
    throw new Error(
      `community "${community}" must be 1-32 characters of A-Z a-z 0-9 . _ ~ @ + - (no leading dot)`,
    );
  }
}

/** Throw unless `user` is a usable authPriv user (known protocols, keys of 8+ plain characters). */
export function assertV3User(user: SnmpV3User): void {
  if (!TOKEN.test(user.user)) throw new Error(`SNMPv3 user name "${user.user}" has unusable characters`);
  if (!['MD5', 'SHA'].includes(user.authProtocol)) {
    throw new Error(`SNMPv3 auth protocol must be MD5 or SHA, not ${JSON.stringify(user.authProtocol)}`);
  }
  if (!['DES', 'AES'].includes(user.privProtocol)) {
    throw new Error(`SNMPv3 privacy protocol must be DES or AES, not ${JSON.stringify(user.privProtocol)}`);
  }
  for (const [what, key] of [
    ['auth', user.authKey],
    ['privacy', user.privKey],
  ] as const) {
    if (key.length < 8 || !TOKEN.test(key)) {
      throw new Error(`SNMPv3 ${what} key must be 8 or more characters of A-Z a-z 0-9 . _ ~ @ + -`);
    }
  }
}

/** Whether nothing is bound to UDP `address:port` (our probe socket does not share, so any binder blocks it). */
function udpPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(new Error(`cannot probe UDP ${address}:${port}: ${err.message}`));
    });
    socket.bind({ address, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/**
 * `requested` after checking that it is free on every address, or else a port that is: taken from
 * {@link freePort} (the kernel's ephemeral rotation) and checked for UDP on every address.
 */
export async function pickAgentPort(addresses: readonly string[], requested?: number): Promise<number> {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > 65535) {
      throw new Error(`SNMP agent port ${requested} is not in 1..65535`);
    }
    for (const address of addresses) {
      if (!(await udpPortFree(address, requested)))
        throw new Error(`UDP port ${requested} is taken on ${address}`);
    }
    return requested;
  }
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort(addresses[0]);
    const free = await Promise.all(addresses.map((address) => udpPortFree(address, port)));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`found no UDP port free on all of ${addresses.join(', ')} in ${PORT_ATTEMPTS} attempts`);
}

/**
 * A v2c GET of one OID with `snmpget`, value only, octet strings as hex (`"20 00 "`); a missing OID prints
 * `No Such Instance ...`. Never rejects for an SNMP failure: the exit code and output say what happened.
 */
export function snmpGetValue(target: SnmpTarget, oid: string, timeoutSeconds = 1): Promise<CommandResult> {
  const args = ['-m', '', '-On', '-Oqv', '-Ox', '-v2c', '-c', target.community, '-t', String(timeoutSeconds)];
  args.push('-r', '0', `${target.address}:${target.port}`, oid);
  return runCommand('snmpget', args, { timeoutMs: timeoutSeconds * 1000 + 5_000 });
}

/**
 * Resolve once the agent answers a GET of sysDescr.0; reject when `proc` exits first or after `timeoutMs`,
 * quoting the last answer and the process's output.
 */
export async function waitForSnmpAgent(
  proc: ManagedProcess,
  target: SnmpTarget,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const where = `${proc.name} on ${target.address}:${target.port}`;
  for (;;) {
    const exit = proc.exited;
    if (exit) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      throw new Error(`${where} ${how} during start-up. Log: ${proc.logFile}\n${proc.tail()}`);
    }
    const probe = await snmpGetValue(target, SYS_DESCR, 0.3);
    if (probe.code === 0 && !/No Such/.test(probe.output)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${where} did not answer a GET within ${timeoutMs / 1000} s (${probe.output.trim()}). ` +
          `Log: ${proc.logFile}\n${proc.tail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
