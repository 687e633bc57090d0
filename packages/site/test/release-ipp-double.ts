/**
 * A scripted IPP printer for the IPP output driver's tests of what ippeveprinter cannot be made to do: a
 * printer without Create-Job (so the driver must use Print-Job), one that answers server-error-busy, aborts a
 * job, forgets it (no job history), or stops answering. It speaks real IPP over HTTP through the common codec
 * and records every request, the document bytes and whether the body came chunked.
 */
import { once } from 'node:events';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  decodeIppMessage,
  encodeIppMessage,
  IppJobState,
  IppMessage,
  IppOperation,
  IppStatus,
  IppTag,
  IppValues,
} from '@quire/common';

/** How the double behaves. */
export interface IppDoubleScript {
  /** operations-supported (default Print-Job, Get-Job-Attributes, Get-Printer-Attributes: no Create-Job). */
  operations?: number[];
  /** document-format-supported (default application/pdf only). */
  formats?: string[];
  /** Answer the first N job submissions with server-error-busy. */
  busyAnswers?: number;
  /** What Get-Job-Attributes reports after one "processing" answer. */
  ending?: 'completed' | 'aborted' | 'purged' | 'silence';
}

/** A request the double received. */
export interface IppDoubleRequest {
  operation: number;
  message: IppMessage;
  document: Buffer;
  chunked: boolean;
}

/** A running double. */
export interface IppDouble {
  port: number;
  requests: IppDoubleRequest[];
  stop(): Promise<void>;
}

function answer(request: IppMessage, status: number): IppMessage {
  const message = new IppMessage(request.version, status, request.requestId);
  message
    .addGroup(IppTag.OperationAttributes)
    .add('attributes-charset', IppValues.charset('utf-8'))
    .add('attributes-natural-language', IppValues.naturalLanguage('en'));
  return message;
}

function jobAnswer(request: IppMessage, state: number, reasons: string, message?: string): IppMessage {
  const reply = answer(request, IppStatus.SuccessfulOk);
  const job = reply.addGroup(IppTag.JobAttributes);
  job.add('job-id', IppValues.integer(7));
  job.add('job-state', IppValues.enum(state));
  job.add('job-state-reasons', IppValues.keyword(reasons));
  if (message) job.add('job-state-message', IppValues.text(message));
  return reply;
}

/** Start the double on 127.0.0.1. */
export async function startIppDouble(script: IppDoubleScript = {}): Promise<IppDouble> {
  const requests: IppDoubleRequest[] = [];
  let busyLeft = script.busyAnswers ?? 0;
  let polls = 0;
  const respond = (request: IppMessage): IppMessage | null => {
    switch (request.code) {
      case IppOperation.GetPrinterAttributes: {
        const reply = answer(request, IppStatus.SuccessfulOk);
        const printer = reply.addGroup(IppTag.PrinterAttributes);
        const operations = script.operations ?? [
          IppOperation.PrintJob,
          IppOperation.GetJobAttributes,
          IppOperation.GetPrinterAttributes,
        ];
        printer.add('operations-supported', ...operations.map((operation) => IppValues.enum(operation)));
        const formats = script.formats ?? ['application/pdf'];
        printer.add('document-format-supported', ...formats.map((format) => IppValues.mimeMediaType(format)));
        return reply;
      }
      case IppOperation.PrintJob:
        if (busyLeft-- > 0) return answer(request, IppStatus.ServerErrorBusy);
        return jobAnswer(request, IppJobState.Pending, 'none');
      case IppOperation.GetJobAttributes:
        if (polls++ === 0) return jobAnswer(request, IppJobState.Processing, 'job-printing');
        if (script.ending === 'silence') return null;
        if (script.ending === 'purged') return answer(request, IppStatus.ClientErrorNotFound);
        if (script.ending === 'aborted') {
          return jobAnswer(request, IppJobState.Aborted, 'aborted-by-system', 'Paper jam in tray 2');
        }
        return jobAnswer(request, IppJobState.Completed, 'job-completed-successfully');
      default:
        return answer(request, IppStatus.ServerErrorOperationNotSupported);
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const { message, dataOffset } = decodeIppMessage(body);
      const chunked = req.headers['transfer-encoding'] === 'chunked';
      requests.push({ operation: message.code, message, document: body.subarray(dataOffset), chunked });
      const reply = respond(message);
      if (!reply) return;
      res.writeHead(200, { 'Content-Type': 'application/ipp' });
      res.end(encodeIppMessage(reply));
    });
  });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
