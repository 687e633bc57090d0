/**
 * The process logger writes one JSON object per line, with child context, and drops lines below its level
 * (also after the level changes at run time).
 */
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from './logger';

function capture() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { stream, lines };
}

describe('logger', () => {
  it('writes JSON lines at or above its level, with child context, and follows level changes', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'warn', stream, defaultMeta: { service: 'site' } });
    logger.info('hidden', { job: 1 });
    logger.warn('shown', { job: 2 });
    logger.child({ component: 'intake' }).error('from a child', { job: 3 });
    logger.child({ component: 'intake' }).debug('hidden too');
    logger.level = 'info';
    logger.info('shown once the level is info');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line.message)).to.deep.equal([
      'shown',
      'from a child',
      'shown once the level is info',
    ]);
    expect(lines[1]).to.include({ component: 'intake', service: 'site', level: 'error', job: 3 });
    expect(lines[0].timestamp).to.be.a('string');
  });
});
