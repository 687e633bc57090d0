/**
 * Parsing of RFC 1179 control files (section 7): who sent the job, its name, and which data files to print how
 * many times. Lines we do not know are ignored, as every LPD server does, because vendors add their own.
 */
import { lpdProtocolError } from './lpd-socket-reader';

/**
 * The print-file line letters of RFC 1179 section 7 (the ones cups-lpd accepts): each names one data file to
 * print in a format; the same data file named N times means N copies, which is how BSD lpr and the CUPS lpd
 * backend ask for copies.
 */
const PRINT_FORMATS = new Set(['c', 'd', 'f', 'g', 'l', 'n', 'o', 'p', 'r', 't', 'v']);

/** Text fields are cut here; RFC 1179 allows far less (31 for users, 99 for job names). */
const MAX_FIELD_LENGTH = 255;

/** One data file the control file asks to print. */
export interface LpdPrintRequest {
  dataFileName: string;
  /** The format letter of the first print line naming this file (`l` raw, `o` PostScript, `f` text, ...). */
  format: string;
  /** How many print lines name this file. */
  copies: number;
  /** The `N` line (source file name) that belongs to this file, if any. */
  sourceName: string | null;
}

/** What a control file says about a job. */
export interface LpdControlFile {
  /** `H`: the host the client says it is. */
  host: string | null;
  /** `P`: the user on that host (the job sender). */
  user: string | null;
  /** `J`: the job name. */
  jobName: string | null;
  /** `L`: the user name for the banner page. */
  bannerUser: string | null;
  /** `C`: the class name for the banner page. */
  className: string | null;
  /** Data files to print, in the order their first print line appears. */
  prints: LpdPrintRequest[];
}

/**
 * Decode control-file text like cups-lpd: UTF-8 when it is valid UTF-8, otherwise ISO-8859-1, the likeliest
 * charset of legacy LPD clients.
 */
export function decodeLpdText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * Parse a control file. `N` lines attach to the data file of the print line just before them (BSD lpr writes
 * `l`, `U`, `N` per file); an `N` that comes before any print line attaches to the next one (the order other
 * clients use). A NUL inside the text means the framing is broken, which is a protocol error.
 */
export function parseControlFile(bytes: Buffer): LpdControlFile {
  if (bytes.includes(0)) throw lpdProtocolError('control file contains a NUL byte');
  const result: LpdControlFile = {
    host: null,
    user: null,
    jobName: null,
    bannerUser: null,
    className: null,
    prints: [],
  };
  const byFile = new Map<string, LpdPrintRequest>();
  let lastPrinted: LpdPrintRequest | null = null;
  let sourceNameForNext: string | null = null;
  for (const rawLine of decodeLpdText(bytes).split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length < 2) continue;
    const key = line[0];
    const value = line.slice(1);
    if (PRINT_FORMATS.has(key)) {
      lastPrinted = addPrintLine(result, byFile, key, value.trim(), sourceNameForNext);
      sourceNameForNext = null;
    } else if (key === 'N') {
      const name = field(value);
      if (lastPrinted !== null && lastPrinted.sourceName === null) lastPrinted.sourceName = name;
      else sourceNameForNext = name;
    } else {
      applyJobField(result, key, value);
    }
  }
  return result;
}

function addPrintLine(
  result: LpdControlFile,
  byFile: Map<string, LpdPrintRequest>,
  format: string,
  dataFileName: string,
  sourceName: string | null,
): LpdPrintRequest | null {
  if (dataFileName.length === 0) return null;
  const known = byFile.get(dataFileName);
  if (known !== undefined) {
    known.copies += 1;
    return known;
  }
  const request: LpdPrintRequest = { dataFileName, format, copies: 1, sourceName };
  byFile.set(dataFileName, request);
  result.prints.push(request);
  return request;
}

function applyJobField(result: LpdControlFile, key: string, value: string): void {
  switch (key) {
    case 'H':
      result.host = field(value);
      break;
    case 'P':
      result.user = field(value);
      break;
    case 'J':
      result.jobName = field(value);
      break;
    case 'L':
      result.bannerUser = field(value);
      break;
    case 'C':
      result.className = field(value);
      break;
    default:
      break;
  }
}

function field(value: string): string | null {
  // Control characters in a name only cause trouble further down (logs, listings); they carry no meaning.
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned.length === 0 ? null : cleaned.slice(0, MAX_FIELD_LENGTH);
}
