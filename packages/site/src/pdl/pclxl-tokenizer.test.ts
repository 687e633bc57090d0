/**
 * Tokenizer tests on hand-built PCL XL byte streams, in both bindings: every data type, both attribute tag
 * widths, embedded data, arrays past the cap, chunk boundaries anywhere, UEL and a following job, and the broken
 * inputs that must stop it with a position.
 */
import { expect } from 'chai';
import {
  ELEMENT_REAL32,
  ELEMENT_SINT16,
  ELEMENT_SINT32,
  ELEMENT_UBYTE,
  ELEMENT_UINT16,
  ELEMENT_UINT32,
} from './pclxl-tags';
import { PclXlTokenizer, type TokenHandler } from './pclxl-tokenizer';
import { type AttributeList, valueNumber, valueString } from './pclxl-values';
import { PclXlWriter } from './pclxl-writer';

interface Recorded {
  events: string[];
  received: number[];
}

/** A handler that writes every event as a line of text, attributes with their decoded numbers. */
function recorder(watch: number[] = [1, 2, 3, 4, 5, 6, 7, 8, 37, 200]): Recorded & TokenHandler {
  const events: string[] = [];
  const received: number[] = [];
  return {
    events,
    received,
    header: (bigEndian) => events.push(`header ${bigEndian ? 'BE' : 'LE'}`),
    operator(tag: number, attributes: AttributeList) {
      const shown = watch
        .filter((id) => attributes.has(id))
        .map((id) => {
          const value = attributes.get(id);
          if (value?.isArray && !value.bytes) return `${id}=skipped[${value.count}]`;
          const text = value?.isArray && value.type === ELEMENT_UBYTE ? valueString(value) : null;
          if (text !== null) return `${id}="${text}"`;
          const numbers = Array.from({ length: value?.count ?? 0 }, (_, i) => valueNumber(value, i));
          return `${id}=${numbers.join(',')}`;
        });
      events.push(`op ${tag.toString(16)} ${shown.join(' ')}`.trim());
    },
    dataStart: (length) => events.push(`data ${length}`),
    data: (bytes, start, end) => {
      received.push(...bytes.subarray(start, end));
    },
    dataEnd: () => events.push('data end'),
    languageEnd: () => events.push('uel'),
  };
}

function tokenize(
  bytes: Uint8Array,
  chunk = bytes.length,
  arrayCap = 1024,
): Recorded & { t: PclXlTokenizer } {
  const handler = recorder();
  const t = new PclXlTokenizer(handler, arrayCap);
  for (let at = 0; at < bytes.length; at += chunk) t.push(bytes.subarray(at, at + chunk));
  return { ...handler, t };
}

/** One operator (0x4a, which the analyser does not know) carrying one value of every shape and type. */
function everyType(w: PclXlWriter): PclXlWriter {
  return w
    .header()
    .ubyte(250)
    .attr(1)
    .value(ELEMENT_UINT16, 65000)
    .attr(2)
    .value(ELEMENT_UINT32, 4000000000)
    .attr(3)
    .value(ELEMENT_SINT16, -1234)
    .attr(4)
    .value(ELEMENT_SINT32, -70000)
    .attr(5)
    .value(ELEMENT_REAL32, 0.5)
    .attr(6)
    .xy(ELEMENT_SINT16, -3, 7)
    .attr(7)
    .box(ELEMENT_REAL32, [1.5, 2, -3, 4])
    .attr(8)
    .array(ELEMENT_UINT16, [1, 513, 65535], true)
    .attr(37)
    .text('A4')
    .attr(200)
    .op(0x4a);
}

const EVERY_TYPE_EVENTS = [
  'op 4a 1=250 2=65000 3=4000000000 4=-1234 5=-70000 6=0.5 7=-3,7 8=1.5,2,-3,4 37=1,513,65535 200="A4"',
];

describe('PCL XL tokenizer', () => {
  for (const bigEndian of [false, true]) {
    const binding = bigEndian ? 'big-endian' : 'little-endian';

    it(`decodes every data type, xy pairs, boxes and arrays (${binding})`, () => {
      const { events, t } = tokenize(everyType(new PclXlWriter(bigEndian)).bytes());
      expect(t.failure).to.equal(null);
      expect(events).to.deep.equal([`header ${bigEndian ? 'BE' : 'LE'}`, ...EVERY_TYPE_EVENTS]);
    });

    it(`gives the same tokens when the stream arrives one byte at a time (${binding})`, () => {
      const w = everyType(new PclXlWriter(bigEndian))
        .data(Buffer.alloc(300, 7))
        .op(0x4b)
        .raw('\x1b%-12345X@PJL EOJ\n');
      const whole = tokenize(w.bytes());
      for (const chunk of [1, 2, 3, 5, 16, 17]) {
        const split = tokenize(w.bytes(), chunk);
        expect(split.events, `chunk ${chunk}`).to.deep.equal(whole.events);
        expect(split.received).to.deep.equal(whole.received);
        expect(split.t.finish()).to.equal(null);
      }
    });

    it(`passes embedded data through by its length, both tag widths (${binding})`, () => {
      const big = Buffer.alloc(70000, 3);
      const w = new PclXlWriter(bigEndian)
        .header()
        .op(0xb1)
        .data(Buffer.of(1, 2, 3))
        .op(0xb1)
        .data(big)
        .op(0xb2);
      const { events, received, t } = tokenize(w.bytes(), 4096);
      expect(events).to.deep.equal([
        `header ${bigEndian ? 'BE' : 'LE'}`,
        'op b1',
        'data 3',
        'data end',
        'op b1',
        'data 70000',
        'data end',
        'op b2',
      ]);
      expect(received.length).to.equal(70003);
      expect(t.finish()).to.equal(null);
    });

    it(`reads 16-bit attribute ids and skips ids it cannot hold (${binding})`, () => {
      const w = new PclXlWriter(bigEndian).header().ubyte(5).attr(37, true).ubyte(9).attr(0x1234).op(0x43);
      const { events } = tokenize(w.bytes());
      expect(events[1]).to.equal('op 43 37=5');
    });
  }

  it('skips arrays longer than the cap without keeping them, and carries on', () => {
    const w = new PclXlWriter()
      .header()
      .array(ELEMENT_UINT32, new Array(1000).fill(9))
      .attr(8)
      .ubyte(1)
      .attr(1)
      .op(0x4a);
    const { events, t } = tokenize(w.bytes(), 100, 64);
    expect(t.failure).to.equal(null);
    expect(events[1]).to.equal('op 4a 1=1 8=skipped[1000]');
  });

  it('ignores white space between tokens', () => {
    const w = new PclXlWriter().header().raw('\0 \t\r\n').ubyte(1).attr(1).raw('  ').op(0x4a);
    expect(tokenize(w.bytes()).events[1]).to.equal('op 4a 1=1');
  });

  it('skips PJL before the header and continues with a second job after a UEL', () => {
    const job = (w: PclXlWriter) => w.header().op(0x41).op(0x42).raw('\x1b%-12345X');
    const w = new PclXlWriter().raw('\x1b%-12345X@PJL JOB\n@PJL ENTER LANGUAGE=PCLXL\n');
    job(w).raw('@PJL EOJ\n@PJL ENTER LANGUAGE=PCLXL\n');
    const twoJobs = Buffer.concat([w.bytes(), job(new PclXlWriter(true)).bytes()]);
    for (const chunk of [twoJobs.length, 7, 1]) {
      const { events, t } = tokenize(twoJobs, chunk);
      expect(events, `chunk ${chunk}`).to.deep.equal([
        'header LE',
        'op 41',
        'op 42',
        'uel',
        'header BE',
        'op 41',
        'op 42',
        'uel',
      ]);
      expect(t.headers).to.equal(2);
      expect(t.finish()).to.equal(null);
    }
  });

  it('refuses the ASCII binding, which printers do not implement', () => {
    const { t, events } = tokenize(Buffer.from("' HP-PCL XL;2;0\nBeginSession\n", 'latin1'));
    expect(events).to.deep.equal([]);
    expect(t.running).to.equal(false);
    expect(t.failure).to.match(/ASCII binding/);
  });

  const broken: [string, (w: PclXlWriter) => PclXlWriter, RegExp][] = [
    ['an unknown tag', (w) => w.raw(Buffer.of(0xc6, 0)), /unknown tag 0xc6 at byte 40/],
    ['a reserved low tag', (w) => w.raw(Buffer.of(0x05)), /unknown tag 0x05 at byte 40/],
    ['a value without attribute id', (w) => w.ubyte(1).op(0x4a), /followed by an operator/],
    ['two values in a row', (w) => w.ubyte(1).ubyte(2), /two values in a row/],
    ['an attribute id without a value', (w) => w.attr(3), /no value before it/],
    ['a bad array length type', (w) => w.raw(Buffer.of(0xc8, 0xc2, 1, 0, 0, 0)), /array length/],
    ['an escape that is not UEL', (w) => w.raw('\x1bE'), /other than UEL/],
  ];
  for (const [what, build, reason] of broken) {
    it(`stops at ${what}, saying where`, () => {
      const w = build(new PclXlWriter().header().ubyte(1).attr(1).op(0x4a)).op(0x43);
      const { events, t } = tokenize(w.bytes());
      expect(events).to.deep.equal(['header LE', 'op 4a 1=1']);
      expect(t.running).to.equal(false);
      expect(t.failure).to.match(reason);
    });
  }

  it('says what was cut off when the data ends early', () => {
    const w = new PclXlWriter().header();
    expect(tokenize(Buffer.from(') HP-PCL XL;2')).t.finish()).to.match(/stream header/);
    expect(
      tokenize(
        new PclXlWriter()
          .header()
          .raw(Buffer.of(0xd1, 1, 0))
          .bytes(),
      ).t.finish(),
    ).to.match(/inside a PCL XL token/);
    expect(tokenize(w.raw(Buffer.of(0xc9, 0xc0, 9, 1)).bytes()).t.finish()).to.match(
      /inside an attribute array/,
    );
    expect(
      tokenize(
        new PclXlWriter()
          .header()
          .raw(Buffer.of(0xfa, 10, 0, 0, 0, 1))
          .bytes(),
      ).t.finish(),
    ).to.match(/9 bytes past the end/);
    expect(tokenize(new PclXlWriter().header().ubyte(3).bytes()).t.finish()).to.match(/no attribute id/);
  });
});
