/**
 * Simulated printers for tests and benchmarks: snmpsim agents serving the .snmprec fixtures, one snmpsim
 * process per loopback address (so a test can silence one "printer" with SIGSTOP) and one data file per
 * community (so 600 printers fit in one process), all on the same UDP port.
 *
 * Values change at run time by rewriting the community's data file: snmpsim re-reads a data file whose mtime
 * changed, and only compares whole seconds, so every rewrite gets a strictly later mtime (in the future if need
 * be). Each rewrite is then confirmed with a GET, which also makes snmpsim re-index before the next rewrite.
 *
 * SNMPv3: every process also knows the given USM user; the community name is the v3 context name that selects
 * the data file (communities of up to 32 characters). Without a context name snmpsim answers nothing.
 */
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ensureDebianPackages } from './debian';
import { runCommand } from './exec';
import { type ManagedProcess, startProcess } from './process';
import { track } from './registry';
import { testRunDir } from './run-dir';
import {
  type SnmpFixtureName,
  type SnmpValueType,
  type SnmprecRecord,
  formatSnmprec,
  numericOid,
  parseSnmprec,
  snmpFixtureFile,
  snmprecRecordFor,
} from './snmp-fixtures';
import {
  type SnmpTarget,
  type SnmpV3User,
  assertCommunity,
  assertLoopbackAddress,
  assertV3User,
  pickAgentPort,
  snmpGetValue,
  waitForSnmpAgent,
} from './snmp-cli';

/** One simulated printer: a fixture served at `address` under `community` (default `public`). */
export interface SnmpAgentSpec {
  address: string;
  fixture: SnmpFixtureName;
  community?: string;
}

/** Options for {@link startSnmpsim}. */
export interface StartSnmpsimOptions {
  agents: SnmpAgentSpec[];
  /** The UDP port every agent listens on; default a port free on every address. */
  port?: number;
  /** A USM user every agent accepts (authPriv); the v3 context name is the community. */
  v3?: SnmpV3User;
}

/** Running snmpsim agents, as returned by {@link startSnmpsim}. */
export interface Snmpsim {
  readonly port: number;
  /** One PID per distinct address. */
  readonly pids: number[];
  /** Set (or add) `oid` for one agent; resolves once the agent serves it (at once while suspended). */
  setValue(
    address: string,
    community: string,
    oid: string,
    type: SnmpValueType,
    value: string | number,
  ): Promise<void>;
  /** Remove `oid` from one agent (an alert row that clears, say); resolves once the agent no longer serves it. */
  removeValue(address: string, community: string, oid: string): Promise<void>;
  /** SIGSTOP the process of `address`: every agent there stops answering (requests time out). */
  suspend(address: string): Promise<void>;
  /** SIGCONT it again; resolves once it answers. */
  resume(address: string): Promise<void>;
  /** Stop every process and delete the data. Idempotent. */
  stop(): Promise<void>;
}

interface SimAgent {
  fixture: SnmpFixtureName;
  file: string;
  /** The mtime (seconds) of the last rewrite; the next one must be later for snmpsim to notice. */
  lastMtime: number;
  /** Rewrites of one file run one after another. */
  queue: Promise<void>;
}

interface SimProcess {
  address: string;
  dir: string;
  proc: ManagedProcess;
  agents: Map<string, SimAgent>;
  suspended: boolean;
}

interface SimLayout {
  dir: string;
  data: string;
  cache: string;
  templates: Map<SnmpFixtureName, string>;
}

const READY_TIMEOUT_MS = 60_000;
const RESUME_TIMEOUT_MS = 10_000;
const CONFIRM_TIMEOUT_MS = 5_000;

// Runs under snmpsim's own interpreter: builds the index of each template with snmpsim's own code, so the
// copies made for every community of that fixture need no indexing at start-up (600 indexes take ~9 s).
const PY_INDEXER = [
  'import sys',
  'from snmpsim import confdir',
  'confdir.cache = sys.argv[1]',
  'from snmpsim.record.search.database import RecordIndex',
  'from snmpsim.record.snmprec import SnmprecRecord',
  'for text in sys.argv[2:]:',
  '    RecordIndex(text, SnmprecRecord()).create()',
].join('\n');

const isRoot = (): boolean => process.getuid?.() === 0;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function groupAgents(specs: readonly SnmpAgentSpec[]): Map<string, Map<string, SnmpFixtureName>> {
  if (specs.length === 0) throw new Error('startSnmpsim needs at least one agent');
  const byAddress = new Map<string, Map<string, SnmpFixtureName>>();
  for (const spec of specs) {
    assertLoopbackAddress(spec.address);
    const community = spec.community ?? 'public';
    assertCommunity(community);
    snmpFixtureFile(spec.fixture);
    const communities = byAddress.get(spec.address) ?? new Map<string, SnmpFixtureName>();
    if (communities.has(community))
      throw new Error(`two agents on ${spec.address} share community "${community}"`);
    communities.set(community, spec.fixture);
    byAddress.set(spec.address, communities);
  }
  return byAddress;
}

/** snmpsimd's interpreter from its `#!` line, or null when it cannot be found. */
function snmpsimInterpreter(): string[] | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    try {
      const firstLine = readFileSync(path.join(dir, 'snmpsimd'), 'utf8').split('\n')[0];
      return firstLine.startsWith('#!') ? firstLine.slice(2).trim().split(/\s+/) : null;
    } catch {
      // Not in this PATH entry.
    }
  }
  return null;
}

/** The name stem snmpsim gives the index of `textFile` in its cache directory (see RecordIndex). */
function indexStem(textFile: string): string {
  return `${textFile.slice(0, textFile.lastIndexOf('.'))}.dbm`.split(path.sep).join('_');
}

/**
 * Give every data file a ready index: index each template once, then copy that index under each data file's
 * name, newer than the data file so snmpsim trusts it. Best effort: if anything fails snmpsim indexes the
 * files itself, which is slower but answers the same.
 */
async function shareIndexes(layout: SimLayout, agents: Map<string, SimAgent>): Promise<void> {
  const python = snmpsimInterpreter();
  if (!python) return;
  const templates = [...layout.templates.values()];
  const args = [...python.slice(1), '-c', PY_INDEXER, layout.cache, ...templates];
  const result = await runCommand(python[0], args, { timeoutMs: 60_000 });
  if (result.code !== 0) return;
  const built = readdirSync(layout.cache);
  const now = nowSeconds();
  for (const agent of agents.values()) {
    const templateStem = path.basename(indexStem(layout.templates.get(agent.fixture) as string));
    for (const name of built.filter((entry) => entry.startsWith(templateStem))) {
      const copy = path.join(layout.cache, indexStem(agent.file) + name.slice(templateStem.length));
      copyFileSync(path.join(layout.cache, name), copy);
      utimesSync(copy, now, now);
    }
  }
}

async function prepareLayout(
  address: string,
  communities: Map<string, SnmpFixtureName>,
): Promise<{ layout: SimLayout; agents: Map<string, SimAgent> }> {
  const dir = path.resolve(mkdtempSync(path.join(testRunDir(), `snmpsim-${address}-`)));
  // mkdtemp makes the directory private; snmpsim runs as nobody and must reach data/ and cache/ below it.
  chmodSync(dir, 0o755);
  const layout: SimLayout = {
    dir,
    data: path.join(dir, 'data'),
    cache: path.join(dir, 'cache'),
    templates: new Map(),
  };
  for (const sub of [layout.data, layout.cache, path.join(dir, 'templates')]) mkdirSync(sub);
  for (const fixture of new Set(communities.values())) {
    const template = path.join(dir, 'templates', `${fixture}.snmprec`);
    copyFileSync(snmpFixtureFile(fixture), template);
    layout.templates.set(fixture, template);
  }
  const past = nowSeconds() - 10;
  const agents = new Map<string, SimAgent>();
  for (const [community, fixture] of communities) {
    const file = path.join(layout.data, `${community}.snmprec`);
    copyFileSync(layout.templates.get(fixture) as string, file);
    utimesSync(file, past, past);
    agents.set(community, { fixture, file, lastMtime: past, queue: Promise.resolve() });
  }
  await shareIndexes(layout, agents);
  if (isRoot()) {
    // snmpsim drops to nobody before reading its data and (re)writing indexes.
    const chown = await runCommand('chown', ['-R', 'nobody:nogroup', layout.data, layout.cache]);
    if (chown.code !== 0) throw new Error(`cannot hand ${dir} to nobody: ${chown.output.trim()}`);
  }
  return { layout, agents };
}

function v3ArgsFile(dir: string, user: SnmpV3User): string {
  // Read by snmpsimd before it drops privileges; keeps the keys off the command line.
  const file = path.join(dir, 'v3.args');
  const lines = [
    `--v3-user=${user.user}`,
    `--v3-auth-key=${user.authKey}`,
    `--v3-auth-proto=${user.authProtocol}`,
    `--v3-priv-key=${user.privKey}`,
    `--v3-priv-proto=${user.privProtocol}`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

async function startProcessFor(
  address: string,
  communities: Map<string, SnmpFixtureName>,
  port: number,
  v3: SnmpV3User | undefined,
): Promise<SimProcess> {
  const { layout, agents } = await prepareLayout(address, communities);
  const args = [
    `--data-dir=${layout.data}`,
    `--cache-dir=${layout.cache}`,
    `--agent-udpv4-endpoint=${address}:${port}`,
    // snmpsim logs every request (handy when a test fails), but also the USM keys at start-up.
    `--logging-method=${v3 ? 'null' : 'stdout'}`,
    ...(isRoot() ? ['--process-user=nobody', '--process-group=nogroup'] : []),
    ...(v3 ? [`--args-from-file=${v3ArgsFile(layout.dir, v3)}`] : []),
  ];
  let proc: ManagedProcess | undefined;
  try {
    proc = startProcess({ name: `snmpsimd-${address}`, command: 'snmpsimd', args });
    const [community] = communities.keys();
    await waitForSnmpAgent(proc, { address, port, community }, READY_TIMEOUT_MS);
    return { address, dir: layout.dir, proc, agents, suspended: false };
  } catch (err) {
    await proc?.stop(5_000).catch(() => undefined);
    rmSync(layout.dir, { recursive: true, force: true });
    throw err;
  }
}

const NO_SUCH = /No Such (Instance|Object)/;
const normalised = (printed: string): string => printed.replace(/["\s]/g, '').toLowerCase();

/** Wait until the agent serves `expected` (or nothing, for null) at `oid`. */
async function confirm(target: SnmpTarget, oid: string, expected: string | null): Promise<void> {
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  let last = '';
  do {
    const result = await snmpGetValue(target, oid);
    last = result.output.trim();
    const served =
      expected === null ? NO_SUCH.test(last) : !NO_SUCH.test(last) && normalised(last) === expected;
    if (result.code === 0 && served) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  throw new Error(
    `snmpsim on ${target.address} (community ${target.community}) still answers ${oid} with: ${last}`,
  );
}

/** Rewrite one agent's data file with `change` applied, then wait until snmpsim serves the result. */
function rewrite(
  sim: SimProcess,
  port: number,
  community: string,
  change: { oid: string; record: SnmprecRecord | null; printed: string | null },
): Promise<void> {
  const agent = sim.agents.get(community);
  if (!agent) throw new Error(`no snmpsim agent with community "${community}" on ${sim.address}`);
  const run = agent.queue.then(async () => {
    const others = parseSnmprec(readFileSync(agent.file, 'utf8')).filter((r) => r.oid !== change.oid);
    const temporary = path.join(path.dirname(agent.file), `.${path.basename(agent.file)}.tmp`);
    writeFileSync(temporary, formatSnmprec(change.record ? [...others, change.record] : others), {
      mode: 0o644,
    });
    const mtime = Math.max(nowSeconds() + 1, agent.lastMtime + 1);
    utimesSync(temporary, mtime, mtime);
    renameSync(temporary, agent.file);
    agent.lastMtime = mtime;
    if (!sim.suspended) await confirm({ address: sim.address, port, community }, change.oid, change.printed);
  });
  agent.queue = run.catch(() => undefined);
  return run;
}

function handleFor(processes: SimProcess[], port: number): Snmpsim {
  const byAddress = new Map(processes.map((sim) => [sim.address, sim]));
  const simAt = (address: string): SimProcess => {
    const sim = byAddress.get(address);
    if (!sim)
      throw new Error(`no snmpsim agent on ${address}; agents are on ${[...byAddress.keys()].join(', ')}`);
    if (sim.proc.exited) throw new Error(`snmpsimd on ${address} has exited. Log: ${sim.proc.logFile}`);
    return sim;
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(
        processes.map(async (sim) => {
          if (sim.suspended) sim.proc.kill('SIGCONT');
          await sim.proc.stop(5_000);
          rmSync(sim.dir, { recursive: true, force: true });
        }),
      );
      untrack();
    })());
  const untrack = track({
    description: `snmpsimd on ${[...byAddress.keys()].join(', ')} port ${port}`,
    stop,
    killNow: () =>
      processes.forEach((sim) => {
        sim.proc.kill('SIGKILL');
        rmSync(sim.dir, { recursive: true, force: true });
      }),
  });
  return {
    port,
    pids: processes.map((sim) => sim.proc.pid),
    setValue: async (address, community, oid, type, value) => {
      const { record, printed } = snmprecRecordFor(numericOid(oid), type, value);
      await rewrite(simAt(address), port, community, { oid: record.oid, record, printed });
    },
    removeValue: async (address, community, oid) => {
      await rewrite(simAt(address), port, community, { oid: numericOid(oid), record: null, printed: null });
    },
    suspend: async (address) => {
      const sim = simAt(address);
      sim.proc.kill('SIGSTOP');
      sim.suspended = true;
    },
    resume: async (address) => {
      const sim = simAt(address);
      sim.proc.kill('SIGCONT');
      sim.suspended = false;
      const [community] = sim.agents.keys();
      await waitForSnmpAgent(sim.proc, { address, port, community }, RESUME_TIMEOUT_MS);
    },
    stop,
  };
}

/**
 * Start snmpsim agents (installing snmpsim, snmp and snmpd with apt when missing): one process per distinct
 * address, all on one UDP port (`options.port`, or one free on every address), each community served from its
 * own copy of its fixture. Resolves once every process answers a GET; on failure stops what it started and
 * throws with the failing process's output. Addresses must be in 127.0.0.0/8.
 */
export async function startSnmpsim(options: StartSnmpsimOptions): Promise<Snmpsim> {
  const groups = groupAgents(options.agents);
  if (options.v3) assertV3User(options.v3);
  await ensureDebianPackages(['snmpsim', 'snmp', 'snmpd']);
  const port = await pickAgentPort([...groups.keys()], options.port);
  const results = await Promise.allSettled(
    [...groups].map(([address, communities]) => startProcessFor(address, communities, port, options.v3)),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((sim) => sim.proc.stop(5_000).catch(() => undefined)));
    started.forEach((sim) => rmSync(sim.dir, { recursive: true, force: true }));
    throw failure.reason;
  }
  return handleFor(started, port);
}
