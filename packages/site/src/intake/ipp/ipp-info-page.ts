/**
 * The small plain-text page an IPP port answers to GET: the queues and their printer URIs at `/`, one queue at
 * `/printers/NAME` (the `printer-more-info` URI), so a person who opens the URI in a browser learns what it is.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type JobIntake, type QueueSummary } from '../intake-port';
import { queueNameFromPrinterUri, type IppUris } from './ipp-request';

function describeQueue(queue: QueueSummary, uris: IppUris): string {
  const state = queue.online ? 'accepting jobs' : 'offline, not accepting jobs';
  const lines = [`${queue.name} (${queue.type} queue, ${state})`];
  if (queue.description) lines.push(`  ${queue.description}`);
  for (const uri of uris.allPrinterUris(queue.name)) lines.push(`  ${uri}`);
  return lines.join('\n');
}

function write(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answer a GET or HEAD on the IPP port. */
export async function writeInfoPage(
  req: IncomingMessage,
  res: ServerResponse,
  intake: JobIntake,
  uris: IppUris,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const queues = await intake.listQueues();
  if (path === '/') {
    const listing = queues.map((queue) => describeQueue(queue, uris)).join('\n\n');
    write(req, res, 200, `Quire IPP print service\n\n${listing || 'No queues.'}`);
    return;
  }
  const name = queueNameFromPrinterUri(`http://host${path}`)?.toLowerCase();
  const queue = queues.find((q) => q.name.toLowerCase() === name);
  if (!queue) {
    write(req, res, 404, `No queue at ${path}.`);
    return;
  }
  write(req, res, 200, describeQueue(queue, uris));
}
