/**
 * The anchor of `bench/snmp`: Net-SNMP's `snmpbulkwalk` run over every simulated printer one after another, as
 * an admin's script would, and its total wall time.
 *
 * Each walk is `snmpbulkwalk -v2c -c COMMUNITY -On -Cr25 -t 2 -r 1 127.0.0.1:PORT .1.3.6.1`: the whole agent.
 * Quire's read takes values from SNMPv2-MIB (system), IF-MIB (ifPhysAddress), HOST-RESOURCES-MIB (hrDevice,
 * hrPrinter), the Printer-MIB (general, marker, supplies, colorants, input, alerts) and the vendors' private
 * page counters under enterprises (HP, Kyocera); walking `.1.3.6.1.2.1` alone would skip those, so the walk
 * covers everything, which on these agents is 106 to 176 values, a little more than Quire reads. GETBULK with
 * 25 repetitions (Net-SNMP's default is 10) gives the walk its fewest round trips; `-On` skips the MIB lookups of
 * output names; the timeout and retry are the SNMP profile's defaults (2 s, 1 retry). Output is counted, not
 * printed. Each walk must exit 0 without a word on stderr, or the figure is refused.
 */
import { spawn } from 'node:child_process';
import { communityOf, SIM_ADDRESS } from './sim-protocol';
import { secondsSince } from './stats';

/** Longest one walk may take before it is killed (a dozen round trips normally take ~50 ms). */
const WALK_LIMIT_MS = 30_000;
const END_OF_MIB = 'No more variables left in this MIB View';

/** What one sequential pass over every agent took and fetched. */
export interface WalkPass {
  seconds: number;
  /** Values fetched by all walks (endOfMibView padding not counted). */
  values: number;
}

/** One walk of `community`; resolves with the number of values it printed. */
function walkOne(port: number, community: string): Promise<number> {
  const args = [
    '-v2c',
    '-c',
    community,
    '-On',
    '-Cr25',
    '-t',
    '2',
    '-r',
    '1',
    `${SIM_ADDRESS}:${port}`,
    '.1.3.6.1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('snmpbulkwalk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let values = 0;
    let errors = '';
    const count = (line: string) => {
      if (line !== '' && !line.includes(END_OF_MIB)) values += 1;
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(count);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), WALK_LIMIT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      count(pending);
      if (code === 0 && errors.trim() === '' && values > 0) resolve(values);
      else
        reject(
          new Error(
            `snmpbulkwalk of ${community} ${signal ? `was killed by ${signal}` : `exited with ${code}`} after ${values} values: ${errors.trim()}`,
          ),
        );
    });
  });
}

/** Walk every one of `printers` communities in turn; rejects at the first walk that fails. */
export async function sequentialWalk(port: number, printers: number): Promise<WalkPass> {
  const started = process.hrtime.bigint();
  let values = 0;
  for (let index = 1; index <= printers; index++) values += await walkOne(port, communityOf(index));
  return { seconds: secondsSince(started), values };
}
