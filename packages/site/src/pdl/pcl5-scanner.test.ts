/**
 * Unit tests of the PCL 5 scanner on hand-written byte sequences: combined escape sequences, data skipped by
 * declared length (also when a chunk boundary falls anywhere), lenient values, HP-GL/2 and display-function
 * modes, PJL after a UEL, and macro recording.
 */
import { expect } from 'chai';
import { Pcl5Scanner } from './pcl5-scanner';
import { commandKey, type Pcl5Command, type Pcl5Sink } from './pcl5-syntax';

const OPTIONS = { maxPayloadBytes: 1 << 20, maxMacroBytes: 1 << 20 };

function name(key: number): string {
  const cls = String.fromCharCode(key >> 16);
  const group = (key >> 8) & 0xff ? String.fromCharCode((key >> 8) & 0xff) : '';
  return `${cls}${group}${String.fromCharCode(key & 0xff)}`;
}

/** A sink that writes down everything, in order. */
class Recorder implements Pcl5Sink {
  events: string[] = [];
  payloadKeys = new Set<number>();
  scanner!: Pcl5Scanner;
  macroBody: Buffer | null | undefined;

  text(buf: Uint8Array, start: number, end: number, display: boolean): void {
    const text = Buffer.from(buf.subarray(start, end)).toString('latin1');
    const last = this.events[this.events.length - 1];
    const tag = display ? 'display:' : 'text:';
    if (last?.startsWith(tag)) this.events[this.events.length - 1] = last + text;
    else this.events.push(tag + text);
  }
  control(code: number): void {
    this.events.push(`ctl:${code}`);
  }
  escape(code: number): void {
    this.events.push(`esc:${String.fromCharCode(code)}`);
  }
  command(cmd: Pcl5Command): void {
    this.events.push(`cmd:${name(cmd.key)}=${cmd.value}${cmd.signed ? 's' : ''}`);
    if (cmd.key === commandKey('&', 'f', 'X') && cmd.value === 0) this.scanner.beginMacroRecording();
    if (cmd.key === commandKey('&', 'f', 'X') && cmd.value === 1)
      this.macroBody = this.scanner.endMacroRecording();
  }
  wantsPayload(cmd: Pcl5Command): boolean {
    return this.payloadKeys.has(cmd.key);
  }
  payload(cmd: Pcl5Command, data: Buffer): void {
    this.events.push(`data:${name(cmd.key)}=${data.toString('hex')}`);
  }
  hpgl(buf: Uint8Array, start: number, end: number): void {
    const text = Buffer.from(buf.subarray(start, end)).toString('latin1');
    const last = this.events[this.events.length - 1];
    if (last?.startsWith('hpgl:')) this.events[this.events.length - 1] = last + text;
    else this.events.push(`hpgl:${text}`);
  }
  exitLanguage(): void {
    this.events.push('uel');
  }
  otherLanguage(language: string): void {
    this.events.push(`language:${language}`);
  }
}

function scan(input: string | Buffer, chunk = Infinity, prepare?: (sink: Recorder) => void): Recorder {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1');
  const sink = new Recorder();
  prepare?.(sink);
  const scanner = new Pcl5Scanner(sink, OPTIONS);
  sink.scanner = scanner;
  for (let i = 0; i < bytes.length; i += Math.min(chunk, bytes.length)) {
    scanner.feed(bytes.subarray(i, i + Math.min(chunk, bytes.length)));
  }
  scanner.finish();
  if (scanner.truncated) sink.events.push('truncated');
  return sink;
}

describe('Pcl5Scanner', () => {
  it('splits a combined sequence into one command per parameter', () => {
    expect(scan('\x1bE\x1b&l1s26a2X').events).to.deep.equal([
      'esc:E',
      'cmd:&lS=1',
      'cmd:&lA=26',
      'cmd:&lX=2',
    ]);
  });

  it('reads signs, fractions, classes without a group, and ignores spaces', () => {
    expect(scan('\x1b*p+871Y\x1b&a-1.5V\x1b(10U\x1b%-12345X').events).to.deep.equal([
      'cmd:*pY=871s',
      'cmd:&aV=-1.5s',
      'cmd:(U=10',
      'uel',
    ]);
    expect(scan('\x1b&l 2 6A').events).to.deep.equal(['cmd:&lA=26']);
  });

  it('skips binary data by its declared length, even full of ESC and form feeds', () => {
    const raster = Buffer.from([0x1b, 0x45, 0x0c, 0x0c, 0x1b]);
    const job = Buffer.concat([Buffer.from('\x1b*b5W', 'latin1'), raster, Buffer.from('A\x0c', 'latin1')]);
    for (const chunk of [1, 2, 3, 7, Infinity]) {
      expect(scan(job, chunk).events).to.deep.equal(['cmd:*bW=5', 'text:A', 'ctl:12']);
    }
  });

  it('hands data to the sink when asked, and continues a combined sequence after it', () => {
    const job = '\x1b*v6w\x00\x03\x00\x08\x08\x082S';
    const key = commandKey('*', 'v', 'W');
    for (const chunk of [1, 4, Infinity]) {
      const events = scan(job, chunk, (sink) => sink.payloadKeys.add(key)).events;
      expect(events).to.deep.equal(['cmd:*vW=6', 'data:*vW=000300080808', 'cmd:*vS=2']);
    }
  });

  it('ends a sequence at an out-of-place byte and rescans it, skipping garbage in values', () => {
    expect(scan('\x1b&l2\x0d\x1b&l1?3A').events).to.deep.equal(['ctl:13', 'cmd:&lA=1']);
    expect(scan('\x1b\x01B').events).to.deep.equal(['ctl:1', 'text:B']);
  });

  it('routes HP-GL/2 bytes to the sink until ESC %#A, and still sees escapes inside', () => {
    const events = scan('\x1b%1BIN;SP1;PD10,10;\x1b*c5P;PU;\x1b%0Atext').events;
    expect(events).to.deep.equal([
      'cmd:%B=1',
      'hpgl:IN;SP1;PD10,10;',
      'cmd:*cP=5',
      'hpgl:;PU;',
      'cmd:%A=0',
      'text:text',
    ]);
  });

  it('prints every byte in display-functions mode until ESC Z', () => {
    expect(scan('\x1bYA\x1b&l2A\x0c\x1bZB').events).to.deep.equal(['display:A\x1b&l2A\x0c\x1bZ', 'text:B']);
  });

  it('skips PJL lines after a UEL, resumes on ENTER LANGUAGE=PCL, stops on another language', () => {
    const resume = scan('A\x1b%-12345X@PJL SET COPIES=2\r\n@PJL ENTER LANGUAGE=PCL\r\nB', 5).events;
    expect(resume).to.deep.equal(['text:A', 'uel', 'text:B']);
    const other = scan('\x1b%-12345X\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\n%!PS\nshowpage\n').events;
    expect(other).to.deep.equal(['uel', 'language:POSTSCRIPT']);
    expect(scan('\x1b%-12345X\x1bE').events).to.deep.equal(['uel', 'esc:E']);
  });

  it('records a macro body without executing it, across chunks', () => {
    const job = '\x1b&f1y0XHello\x0c\x1b*c5P\x1b&f1XAfter';
    for (const chunk of [1, 3, Infinity]) {
      const sink = scan(job, chunk);
      expect(sink.events).to.deep.equal(['cmd:&fY=1', 'cmd:&fX=0', 'cmd:&fX=1', 'text:After']);
      expect(sink.macroBody?.toString('latin1')).to.equal('Hello\x0c\x1b*c5P');
    }
  });

  it('reports data that ends inside a sequence or its payload', () => {
    expect(scan('\x1b*b10Wabc').events).to.include('truncated');
    expect(scan('\x1b&l2').events).to.include('truncated');
    expect(scan('\x1bE').events).to.not.include('truncated');
  });
});
