/**
 * Fuzzing the IPP listener over real HTTP: 10,000 seeded mutations (bit flips, truncations, tampered lengths,
 * splices, duplicated and deleted spans) of valid requests for every operation, sent over keep-alive
 * connections with bounded concurrency. Every one must be answered, with a decodable IPP response or an HTTP
 * 4xx, and the listener must still serve correctly afterwards, with bounded heap growth.
 */
import http from 'node:http';
import {
  decodeIppMessage,
  encodeIppMessage,
  IppOperation,
  IppStatus,
  IppTag,
  IppValues,
  isIppSuccess,
} from '@quire/common';
import { expect } from 'chai';
import {
  ippRequest,
  minimalPdf,
  postBytes,
  sendIpp,
  startTestIppServer,
  type TestIppServer,
} from './ipp-harness';

const ITERATIONS = 10_000;
const CONCURRENCY = 16;

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(input: Buffer, donor: Buffer, random: () => number): Buffer {
  const at = (n: number) => Math.floor(random() * Math.max(1, n));
  const out = Buffer.from(input);
  switch (at(6)) {
    case 0:
      for (let i = 0, flips = 1 + at(4); i < flips; i++) out[at(out.length)] ^= 1 << at(8);
      return out;
    case 1:
      return out.subarray(0, at(out.length));
    case 2: {
      if (out.length < 2) return out;
      const offset = at(out.length - 1);
      out.writeUInt16BE([0, 1, 0x7fff, 0x8000, 0xffff][at(5)], offset);
      return out;
    }
    case 3: {
      const start = at(donor.length);
      const offset = at(out.length);
      return Buffer.concat([
        out.subarray(0, offset),
        donor.subarray(start, start + 1 + at(64)),
        out.subarray(offset + at(8)),
      ]);
    }
    case 4: {
      const start = at(out.length);
      const span = out.subarray(start, start + 1 + at(32));
      return Buffer.concat([out.subarray(0, start), span, span, out.subarray(start + span.length)]);
    }
    default: {
      const start = at(out.length);
      return Buffer.concat([out.subarray(0, start), out.subarray(start + 1 + at(16))]);
    }
  }
}

function corpus(printerUri: string): Buffer[] {
  const pdf = minimalPdf();
  const printJob = ippRequest(IppOperation.PrintJob, printerUri, 'alice');
  printJob.operation!.add('document-format', IppValues.mimeMediaType('application/pdf'));
  printJob
    .addGroup(IppTag.JobAttributes)
    .add('copies', IppValues.integer(2))
    .add(
      'media-col',
      IppValues.collection([
        {
          name: 'media-size',
          values: [IppValues.collection([{ name: 'x-dimension', values: [IppValues.integer(21000)] }])],
        },
      ]),
    )
    .add('page-ranges', IppValues.range(1, 3));
  const gpa = ippRequest(IppOperation.GetPrinterAttributes, printerUri, 'alice');
  gpa.operation!.add(
    'requested-attributes',
    IppValues.keyword('all'),
    IppValues.keyword('media-col-database'),
  );
  const getJobs = ippRequest(IppOperation.GetJobs, printerUri, 'alice');
  getJobs.operation!.add('which-jobs', IppValues.keyword('all')).add('my-jobs', IppValues.boolean(true));
  const jobOp = (operation: number) => {
    const message = ippRequest(operation, printerUri, 'alice');
    message.operation!.add('job-id', IppValues.integer(1));
    return message;
  };
  const send = jobOp(IppOperation.SendDocument);
  send.operation!.add('last-document', IppValues.boolean(true));
  return [
    encodeIppMessage(printJob, pdf),
    encodeIppMessage(gpa),
    encodeIppMessage(getJobs),
    encodeIppMessage(ippRequest(IppOperation.CreateJob, printerUri, 'alice')),
    encodeIppMessage(send, pdf),
    ...[
      IppOperation.GetJobAttributes,
      IppOperation.CancelJob,
      IppOperation.HoldJob,
      IppOperation.ReleaseJob,
    ].map((op) => encodeIppMessage(jobOp(op))),
  ];
}

describe('IPP listener fuzz', function () {
  this.timeout(300_000);
  let server: TestIppServer;

  before(async () => {
    server = await startTestIppServer();
  });
  after(() => server.stop());

  it(`answers ${ITERATIONS} mutated requests over keep-alive connections and keeps serving`, async () => {
    const inputs = corpus(server.printerUri());
    const random = seededRandom(0xf022);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const outcomes = { ippSuccess: 0, ippError: 0, http4xx: 0 };
    const problems: string[] = [];
    const heapBefore = process.memoryUsage().heapUsed;
    let next = 0;
    const worker = async () => {
      while (next < ITERATIONS) {
        const i = next++;
        let body = mutate(inputs[i % inputs.length], inputs[(i + 3) % inputs.length], random);
        if (i % 4 === 0) body = mutate(body, inputs[(i + 5) % inputs.length], random);
        const answer = await postBytes(server.port, body, { agent });
        if (answer.status >= 400 && answer.status < 500) {
          outcomes.http4xx++;
          continue;
        }
        try {
          const response = decodeIppMessage(answer.body).message;
          if (isIppSuccess(response.code)) outcomes.ippSuccess++;
          else outcomes.ippError++;
          if (!response.operation?.getString('status-message'))
            problems.push(`no status-message for ${body.toString('hex')}`);
        } catch (err) {
          problems.push(
            `HTTP ${answer.status}, undecodable answer (${String(err)}) to ${body.toString('hex')}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();
    expect(problems.slice(0, 5)).to.deep.equal([]);
    expect(outcomes.ippSuccess + outcomes.ippError + outcomes.http4xx).to.equal(ITERATIONS);
    expect(outcomes.ippError).to.be.greaterThan(ITERATIONS / 4);
    expect(outcomes.ippSuccess).to.be.greaterThan(ITERATIONS / 50);
    expect(process.memoryUsage().heapUsed - heapBefore).to.be.lessThan(200 * 1024 * 1024);

    const check = await sendIpp(
      server.port,
      ippRequest(IppOperation.GetPrinterAttributes, server.printerUri(), 'alice'),
    );
    expect(check.code).to.equal(IppStatus.SuccessfulOk);
    const print = await sendIpp(
      server.port,
      ippRequest(IppOperation.PrintJob, server.printerUri(), 'alice'),
      minimalPdf(),
    );
    expect(print.code).to.equal(IppStatus.SuccessfulOk);
  });
});
