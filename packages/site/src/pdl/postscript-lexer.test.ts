/**
 * The PostScript tokenizer: token kinds and values, DSC lines, string escapes, and above all that chunk
 * boundaries change nothing — the same job fed whole, byte by byte, or in random slices gives the same tokens,
 * including inside skipped data whose end marker is split across chunks.
 */
import { expect } from 'chai';
import { PsLexer } from './postscript-lexer';
import { type LexerSink, type PsToken, TokenKind } from './postscript-tokens';

type Event = string;

function describeToken(token: PsToken): Event {
  switch (token.kind) {
    case TokenKind.Number:
      return `num:${token.value}`;
    case TokenKind.Name:
      return `name:${token.text}`;
    case TokenKind.Literal:
      return `/${token.text}`;
    case TokenKind.Immediate:
      return `//${token.text}`;
    case TokenKind.String:
      return `str:${token.content}`;
    default:
      return `kind:${token.kind}`;
  }
}

/** Tokenizes `text` fed in the given slices; `onToken` may start skips, as the interpreter does. */
function tokenize(
  text: Buffer,
  sizes: () => number,
  onToken?: (event: Event, lexer: PsLexer) => void,
): Event[] {
  const events: Event[] = [];
  let lexer: PsLexer | null = null;
  const sink: LexerSink = {
    token: (token) => {
      const event = describeToken(token);
      events.push(event);
      if (onToken && lexer) onToken(event, lexer);
    },
    dscComment: (line) => events.push(`dsc:${line}`),
  };
  lexer = new PsLexer(sink);
  for (let at = 0; at < text.length;) {
    const size = Math.max(1, sizes());
    lexer.feed(text.subarray(at, at + size));
    at += size;
  }
  lexer.end();
  return events;
}

const JOB = Buffer.from(
  [
    '%!PS-Adobe-3.0',
    '%%Pages: 2',
    '% an ordinary comment %%Page: 9 9',
    '/Helvetica findfont 12 scalefont setfont //showpage 16#FF -.5 1e3 3.',
    '(nested (paren) \\) \\101\\n) <48 65 6c6C 6f> <~87cURD]i,"Ebo80~> << /Duplex true >> [1 2] { pop }',
    '%%Page: 1 1',
    'a/b{c}d',
  ].join('\n'),
  'latin1',
);

describe('PsLexer', () => {
  it('produces tokens and DSC lines', () => {
    const events = tokenize(JOB, () => JOB.length);
    expect(events).to.deep.equal([
      'dsc:%!PS-Adobe-3.0',
      'dsc:%%Pages: 2',
      '/Helvetica',
      'name:findfont',
      'num:12',
      'name:scalefont',
      'name:setfont',
      '//showpage',
      'num:255',
      'num:-0.5',
      'num:1000',
      'num:3',
      'str:nested (paren) ) A\n',
      'str:Hello',
      'str:null',
      `kind:${TokenKind.DictOpen}`,
      '/Duplex',
      'name:true',
      `kind:${TokenKind.DictClose}`,
      `kind:${TokenKind.ArrayOpen}`,
      'num:1',
      'num:2',
      `kind:${TokenKind.ArrayClose}`,
      `kind:${TokenKind.ProcOpen}`,
      'name:pop',
      `kind:${TokenKind.ProcClose}`,
      'dsc:%%Page: 1 1',
      'name:a',
      '/b',
      `kind:${TokenKind.ProcOpen}`,
      'name:c',
      `kind:${TokenKind.ProcClose}`,
      'name:d',
    ]);
  });

  it('gives the same tokens whatever the chunk boundaries', () => {
    const whole = tokenize(JOB, () => JOB.length);
    expect(tokenize(JOB, () => 1)).to.deep.equal(whole);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return 1 + (seed % 17);
    };
    for (let run = 0; run < 20; run += 1) expect(tokenize(JOB, random)).to.deep.equal(whole);
  });

  it('keeps the same head of an over-long name or DSC line wherever the chunks end', () => {
    const long = Buffer.from(`%%Creator: ${'c'.repeat(400)}\n/${'n'.repeat(400)} ${'w'.repeat(300)} x\n`);
    const whole = tokenize(long, () => long.length);
    expect(whole).to.deep.equal([
      `dsc:%%Creator: ${'c'.repeat(246)}`,
      `/${'n'.repeat(256)}`,
      `name:${'w'.repeat(256)}`,
      'name:x',
    ]);
    for (const size of [1, 7, 100, 200, 255, 300])
      expect(
        tokenize(long, () => size),
        `${size}`,
      ).to.deep.equal(whole);
  });

  it('skips data up to a marker split across chunks, even after a partial match', () => {
    // "endstrendstream": a naive matcher restarts after "endstre" and misses the marker that began inside it.
    const job = Buffer.from('stream\nendstr((endstrendstream{ x } after', 'latin1');
    const skipAtStream = (event: Event, lexer: PsLexer) => {
      if (event === 'name:stream') lexer.skipUntil('endstream');
    };
    const expected = [
      'name:stream',
      `kind:${TokenKind.ProcOpen}`,
      'name:x',
      `kind:${TokenKind.ProcClose}`,
      'name:after',
    ];
    expect(tokenize(job, () => job.length, skipAtStream)).to.deep.equal(expected);
    expect(tokenize(job, () => 1, skipAtStream)).to.deep.equal(expected);
    const inline = Buffer.from('ID\nJ3U~>(EI\nEI Q', 'latin1');
    const skipAtId = (event: Event, lexer: PsLexer) => {
      if (event === 'name:ID') lexer.skipInlineImage();
    };
    expect(tokenize(inline, () => 1, skipAtId)).to.deep.equal(['name:ID', 'name:Q']);
  });

  it('skips exactly the bytes and hex digits an image reads, CR LF counted as one line end', () => {
    const binary = Buffer.concat([
      Buffer.from('image\r\n', 'latin1'),
      Buffer.from('((({{%'),
      Buffer.from(' next'),
    ]);
    const events = tokenize(
      binary,
      () => 2,
      (event, lexer) => {
        if (event === 'name:image') lexer.skipBytes(6);
      },
    );
    expect(events).to.deep.equal(['name:image', 'name:next']);
    const hex = Buffer.from('image\nff 00\nab cd fill', 'latin1');
    expect(
      tokenize(
        hex,
        () => 3,
        (event, lexer) => {
          if (event === 'name:image') lexer.skipHexDigits(8);
        },
      ),
    ).to.deep.equal(['name:image', 'name:fill']);
  });

  it('hands the skipped bytes to a collector, without the end marker, whatever the chunk boundaries', () => {
    const job = Buffer.from('a\r\n0123~>b\nc 4567\n89 d\ne\nxyz EI\nf g\nraw\nh', 'latin1');
    const start: Record<string, (lexer: PsLexer) => void> = {
      'name:a': (lexer) => lexer.skipUntil('~>'),
      'name:c': (lexer) => lexer.skipHexDigits(6),
      'name:e': (lexer) => lexer.skipInlineImage(),
      'name:g': (lexer) => lexer.skipBytes(3),
    };
    for (const size of [1, 2, 3, 5, job.length]) {
      const collected: (string | null)[] = [];
      const events = tokenize(
        job,
        () => size,
        (event, lexer) => {
          start[event]?.(lexer);
          if (start[event])
            lexer.collectSkipped({
              cap: 100,
              done: (data) => collected.push(data && data.toString('latin1')),
            });
        },
      );
      expect(events, `chunks of ${size}`).to.deep.equal([
        'name:a',
        'name:b',
        'name:c',
        'name:d',
        'name:e',
        'name:f',
        'name:g',
        'name:h',
      ]);
      expect(collected, `chunks of ${size}`).to.deep.equal(['0123', '4567\n89', 'xyz', 'raw']);
    }
  });

  it('gives a collector nothing when its data is longer than the cap, cut short, or replaced', () => {
    type Done = (data: Buffer | null) => void;
    const collect = (job: string, cap: number, skip: (lexer: PsLexer, done: Done) => void) => {
      const collected: (string | null)[] = [];
      const done: Done = (data) => collected.push(data && data.toString('latin1'));
      tokenize(
        Buffer.from(job, 'latin1'),
        () => 4,
        (event, lexer) => {
          if (event !== 'name:go') return;
          skip(lexer, done);
          lexer.collectSkipped({ cap, done });
        },
      );
      return collected;
    };
    const untilEnd = (lexer: PsLexer) => lexer.skipUntil('~>');
    expect(collect('go 0123456789~> x', 100, untilEnd)).to.deep.equal(['0123456789']);
    expect(collect('go 0123456789~> x', 4, untilEnd)).to.deep.equal([null]);
    expect(collect('go 0123', 100, untilEnd)).to.deep.equal([null]);
    // A second skip started before the data is read (an image drawn twice in a loop) replaces the first.
    const twice = (lexer: PsLexer, done: Done) => {
      lexer.skipUntil('~>');
      lexer.collectSkipped({ cap: 100, done });
      lexer.skipUntil('~>');
    };
    expect(collect('go 0123~> x', 100, twice)).to.deep.equal([null, '0123']);
    expect(collect('go x', 100, (lexer) => lexer.skipBytes(0))).to.deep.equal(['']);
  });
});
