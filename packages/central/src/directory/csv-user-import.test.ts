/**
 * Unit tests for the MyQ user CSV parser and exporter, on the fixture files under test/fixtures/csv (also meant
 * for the sync engine's tests) and on small inline files for each rule.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import {
  DEFAULT_CSV_IMPORT_OPTIONS,
  MAX_USER_CSV_BYTES,
  csvImportOptionsSchema,
  exportUserCsv,
  parseUserCsv,
  userCsvParseOptionsSchema,
} from './csv-user-import';
import { type SourceUser } from './source-user';

const fixtureDir = path.resolve(__dirname, '../../../test/fixtures/csv');
const fixture = (name: string) => readFileSync(path.join(fixtureDir, name));
const csv = (text: string) => Buffer.from(text, 'utf8');
const HEADER = 'FULLNAME;USERNAME_ALIASES;EMAIL;CARDS;GROUPS;PIN;LANG';
const MD5_1234 = '81dc9bdb52d04dc20036dbd8313ed055';

function fatalMessage(input: Buffer, options?: Parameters<typeof parseUserCsv>[1]): string {
  try {
    parseUserCsv(input, options);
  } catch (err) {
    expect(isQuireError(err, ErrorCode.ValidationFailed), String(err)).to.equal(true);
    return (err as Error).message;
  }
  throw new Error('expected a fatal error');
}

function withoutOrigin(users: SourceUser[]) {
  return users.map((user) => ({ ...user, origin: '' }));
}

describe('parseUserCsv', () => {
  describe('a good file (BOM, CRLF and LF mixed, 12 users)', () => {
    const bytes = fixture('users-good.csv');
    const read = parseUserCsv(bytes);

    it('really has a BOM and both line ends', () => {
      expect(bytes.subarray(0, 3).toString('hex')).to.equal('efbbbf');
      expect(bytes.includes('\r\n')).to.equal(true);
      expect(bytes.toString().replace(/\r\n/g, '').includes('\n')).to.equal(true);
    });

    it('returns every user, each with the line it came from, and no problems', () => {
      expect(read.problems).to.deep.equal([]);
      expect(read.users.map((u) => `${u.username}@${u.origin}`)).to.deep.equal(
        ['tom', 'carol', 'kohei', 'eliot', 'zoe', 'ann', 'bob', 'dana', 'fox', 'picard', 'riker', 'troi'].map(
          (name, i) => `${name}@line ${i + 2}`,
        ),
      );
    });

    it('normalises every column of a full MyQ row', () => {
      expect(read.users[0]).to.deep.equal({
        username: 'tom',
        aliases: ['Tomy', 'Apple'],
        fullName: 'Thomas Ananas',
        email: 'tom.ananas@example.org',
        personalNumber: 'E1001',
        phone: '+420 555 0101',
        language: 'en',
        pins: [`md5:${MD5_1234}`],
        cards: ['7E9700C9', '7E9700CA'],
        groups: [
          ['Activities', 'Outdoor', 'Swimming'],
          ['Activities', 'Outdoor', 'Birdwatching'],
        ],
        managedGroups: [['Activities', 'Outdoor']],
        delegates: ['carol', 'kohei', 'eliot'],
        origin: 'line 2',
      });
    });

    it('keeps MD5 PINs (lower-cased) apart from clear ones, group delegates, quotes and accents', () => {
      const [kohei, zoe, bob, dana] = ['kohei', 'zoe', 'bob', 'dana'].map(
        (name) => read.users.find((u) => u.username === name) as SourceUser,
      );
      expect(kohei.pins).to.deep.equal(['md5:912e79cd13c64069d91da65d62fbb78c', '55443']);
      expect(kohei.delegates).to.deep.equal(['group:Staff|Finance']);
      expect(zoe.fullName).to.equal('Zoë Øster-Åberg');
      expect(bob.fullName).to.equal('Bob "The Builder" Jones');
      expect(dana).to.include({ email: '', personalNumber: null, phone: null, language: null });
      expect(dana.groups).to.deep.equal([]);
    });

    it('lists each group path once, with the first line naming it', () => {
      expect(read.groups).to.have.length(14);
      expect(read.groups[0]).to.deep.equal({ path: ['Activities', 'Outdoor', 'Swimming'], origin: 'line 2' });
      expect(read.groups.find((g) => g.path.join('|') === 'Staff|Finance')?.origin).to.equal('line 3');
    });

    it('reads the same users without BOM and with LF only', () => {
      const plain = csv(
        bytes
          .toString('utf8')
          .replace(/^\uFEFF/, '')
          .replace(/\r\n/g, '\n'),
      );
      expect(parseUserCsv(plain).users).to.deep.equal(read.users);
    });
  });

  describe('a file with 3 bad lines', () => {
    const read = parseUserCsv(fixture('users-3-bad.csv'));

    it('reports each bad line with its physical line number and reason', () => {
      expect(read.problems).to.deep.equal([
        { origin: 'line 3', message: 'username/alias "carol jones" contains spaces or control characters' },
        { origin: 'line 8', message: 'PIN #1 is neither digits nor an MD5 hash (32 hexadecimal characters)' },
        { origin: 'line 10', message: 'username/alias "tomy" is already used on line 2' },
      ]);
    });

    it('returns the good lines, including one whose quoted field spans lines 4 to 6', () => {
      expect(read.users.map((u) => `${u.username}@${u.origin}`)).to.deep.equal([
        'tom@line 2',
        'kohei@line 4',
        'ann@line 9',
        'bob@line 11',
      ]);
      expect(read.users[1].cards).to.deep.equal(['A1', 'A2', 'A3']);
    });
  });

  describe('bad lines, one rule at a time', () => {
    const cases: [string, string, RegExp][] = [
      ['missing username', '"A B";;a@example.org', /missing username/],
      ['empty full name', ';ab;ab@example.org', /empty full name/],
      ['bad email', '"A B";ab;ab@example', /bad email "ab@example"/],
      [
        'overlong email, refused before the pattern runs',
        `"A B";ab;a@${'b-'.repeat(50_000)}`,
        /bad email "a@b-b-/,
      ],
      ['control character in a username', '"A B";"ab,c\u0007d"', /"c\?d" contains spaces or control/],
      ['line break in a full name', '"A\nB";ab', /FULLNAME contains a line break/],
      ['empty group name', '"A B";ab;;;"Staff||Finance"', /has an empty group name; names cannot contain/],
      ['trailing group separator', '"A B";ab;;;"Staff|,Sales"', /has an empty group name/],
      ['group deeper than 10', `"A B";ab;;;"${'g|'.repeat(10)}g"`, /deeper than 10 levels/],
      ['invalid second PIN', '"A B";ab;;;;"1234,12-34"', /PIN #2 is neither digits nor an MD5/],
      ['language not 2 letters', '"A B";ab;;;;;eng', /language "eng" is not a 2-letter code/],
      ['more columns than the header', '"A B";ab;;;;;en;extra', /has 8 columns, the header has 7/],
    ];
    for (const [name, line, reason] of cases) {
      it(name, () => {
        const read = parseUserCsv(csv(`${HEADER}\n"Good User";good\n${line}\n`));
        expect(read.users.map((u) => u.username)).to.deep.equal(['good']);
        expect(read.problems).to.have.length(1);
        expect(read.problems[0].origin).to.equal('line 3');
        expect(read.problems[0].message).to.match(reason);
      });
    }

    it('names every reason of a line, and never echoes a PIN, card or password', () => {
      const text =
        'FULLNAME;USERNAME_ALIASES;CARDS;PIN;PWD\nA;a;CARD-777\nB;"b,a";CARD-777;pin-secret-9;hunter2\n';
      const [problem] = parseUserCsv(csv(text)).problems;
      expect(problem.message).to.match(
        /"a" is already used on line 2; card #1 is already assigned on line 2/,
      );
      expect(problem.message).to.match(/PIN #1 is neither/);
      expect(problem.message).to.match(/PWD is not an MD5 hash/);
      expect(problem.message).not.to.match(/CARD-777|pin-secret-9|hunter2/);
    });

    it('tolerates empty padding columns, blank lines and all-empty rows', () => {
      const read = parseUserCsv(csv(`${HEADER};;\n"A B";ab;;;;;en;;\n\n;;;;\n"C D";cd\n`));
      expect(read.problems).to.deep.equal([]);
      expect(read.users.map((u) => u.origin)).to.deep.equal(['line 2', 'line 5']);
    });
  });

  describe('fatal errors (nothing is returned)', () => {
    it('bad UTF-8 names the line and the byte', () => {
      expect(fatalMessage(fixture('users-fatal-latin1.csv'))).to.match(
        /line 3, byte offset 50: byte 0xe9 is not valid UTF-8; save the file as UTF-8/,
      );
    });

    it('a genuine U+FFFD before the bad byte does not shift the offset', () => {
      const input = Buffer.concat([csv('FULLNAME;USERNAME_ALIASES\n\uFFFD;a\nb'), Buffer.from([0xc3, 0x28])]);
      expect(fatalMessage(input)).to.match(/line 3, byte offset 33: byte 0xc3/);
    });

    it('UTF-16 and NUL bytes', () => {
      expect(fatalMessage(Buffer.from('\uFEFFFULLNAME', 'utf16le'))).to.match(/UTF-16; save it as UTF-8/);
      expect(fatalMessage(csv('FULLNAME;USERNAME_ALIASES\nA;a\0\n'))).to.match(
        /line 2, byte offset 29: a NUL/,
      );
    });

    it('an unterminated quote names the line where its record starts', () => {
      expect(fatalMessage(fixture('users-fatal-unterminated.csv'))).to.match(
        /line 4: a quoted field in the record starting here is never closed/,
      );
    });

    it('text after a closing quote names where it was found and where the record starts', () => {
      const text = `${HEADER}\n"A B";ab\n"Carol Smith;carol\n"Ann Lee";ann\n`;
      expect(fatalMessage(csv(text))).to.match(
        /line 4 \(in the record starting on line 3\): text follows a closing/,
      );
    });

    it('an unknown column lists the known ones; duplicate and missing columns are named', () => {
      expect(fatalMessage(fixture('users-fatal-unknown-column.csv'))).to.match(
        /line 1: unknown column "E-MAIL" in the header; the known columns are FULLNAME, USERNAME_ALIASES, EMAIL,/,
      );
      expect(fatalMessage(csv('FULLNAME;USERNAME_ALIASES;fullname\nA;a\n'))).to.match(
        /FULLNAME appears twice/,
      );
      expect(fatalMessage(csv('FULLNAME;EMAIL\nA;a@example.org\n'))).to.match(/lacks .* USERNAME_ALIASES/);
      expect(fatalMessage(csv('FULLNAME;;USERNAME_ALIASES\nA;;a\n'))).to.match(/header column 2 has no name/);
    });

    it('an empty file, a blank one and a header without users', () => {
      expect(fatalMessage(Buffer.alloc(0))).to.match(/the file is empty/);
      expect(fatalMessage(csv('\uFEFF\r\n  \n'))).to.match(/the file is empty/);
      expect(fatalMessage(csv(`${HEADER}\r\n`))).to.match(/line 1: the file has a header but no user lines/);
    });

    it('no header and a first line that is not a user (here: the wrong delimiter)', () => {
      const message = fatalMessage(csv('Thomas Ananas,tom,tom@example.org\nBob,bob\n'));
      expect(message).to.match(/line 1 is neither a header row .* nor a valid user \(missing username/);
      expect(message).to.match(/check the delimiter \(";"\)/);
    });

    it('a file over the size cap, before reading it', () => {
      expect(fatalMessage(Buffer.alloc(MAX_USER_CSV_BYTES + 1, 0x41))).to.match(
        /the limit is 50 MB, split it/,
      );
    });
  });

  describe('headers and delimiters', () => {
    it('takes header columns in any order and case, and skips the header it detects', () => {
      const read = parseUserCsv(csv('lang;Username_Aliases;FullName\nFR;"jd,john";"John Doe"\n'));
      expect(read.users[0]).to.include({
        username: 'jd',
        fullName: 'John Doe',
        language: 'fr',
        origin: 'line 2',
      });
      expect(read.users[0].aliases).to.deep.equal(['john']);
    });

    it('reads a file without header positionally, trailing columns missing', () => {
      const read = parseUserCsv(csv('"Thomas Ananas";"tom,tomy";tom@example.org\n"Bob Jones";bob\n'));
      expect(read.users.map((u) => [u.username, u.email, u.origin])).to.deep.equal([
        ['tom', 'tom@example.org', 'line 1'],
        ['bob', '', 'line 2'],
      ]);
      const positional = parseUserCsv(csv(`"A B";ab\n"C D";cd;;;;;;;;;;;;;;extra\n`)).problems;
      expect(positional).to.deep.equal([
        { origin: 'line 2', message: "the line has 16 columns, MyQ's format has 15" },
      ]);
    });

    it('obeys skipHeader either way', () => {
      expect(parseUserCsv(csv('Name;Login\nA;a\n'), { skipHeader: false }).users).to.have.length(2);
      expect(fatalMessage(csv('Name;Login\nA;a\n'), { skipHeader: true })).to.match(/unknown column "Name"/);
    });

    it('reads comma- and tab-separated files', () => {
      const comma = parseUserCsv(csv('FULLNAME,USERNAME_ALIASES,GROUPS\n"A B","ab,abe","X|Y,X|Z"\n'), {
        delimiter: ',',
      });
      expect(comma.users[0]).to.include({ username: 'ab', fullName: 'A B' });
      expect(comma.users[0].groups).to.deep.equal([
        ['X', 'Y'],
        ['X', 'Z'],
      ]);
      const tab = parseUserCsv(csv('FULLNAME\tUSERNAME_ALIASES\tLANG\n"A B"\t"ab,abe"\t  en \n'), {
        delimiter: '\t',
      });
      expect(tab.users[0]).to.include({ username: 'ab', fullName: 'A B', language: 'en' });
      expect(tab.users[0].aliases).to.deep.equal(['abe']);
    });

    it('keeps line numbers right after quoted fields spanning lines, CRLF inside included', () => {
      const text = `FULLNAME;USERNAME_ALIASES;SCANSTORAGE\r\n"A B";ab;"one\r\ntwo\r\nthree"\r\n\r\n"C D";cd\r\n"E\nF";ef\n"G H";gh`;
      const read = parseUserCsv(csv(text));
      expect(read.users.map((u) => `${u.username}@${u.origin}`)).to.deep.equal([
        'ab@line 2',
        'cd@line 6',
        'gh@line 9',
      ]);
      expect(read.problems.map((p) => p.origin)).to.deep.equal(['line 7']);
    });
  });
});

describe('exportUserCsv', () => {
  it('round-trips the good file to the same records', () => {
    const users = parseUserCsv(fixture('users-good.csv')).users;
    const exported = exportUserCsv(users);
    expect(exported.split('\r\n')[0]).to.equal(
      'FULLNAME;USERNAME_ALIASES;EMAIL;CARDS;GROUPS;CODE;SCANSTORAGE;PIN;MANAGED_GROUPS;AUTHSERVER;PHONE;LANG;PWD;EXTID;DELEGATES',
    );
    const again = parseUserCsv(csv(exported));
    expect(again.problems).to.deep.equal([]);
    expect(withoutOrigin(again.users)).to.deep.equal(withoutOrigin(users));
  });

  it('quotes what needs it and leaves simple words bare', () => {
    const user: SourceUser = {
      ...parseUserCsv(csv(`${HEADER}\n"x";x\n`)).users[0],
      username: 'jo',
      fullName: 'Jo "JJ" O;Neil',
      pins: [`md5:${MD5_1234}`, '0042'],
      groups: [['Ops', 'Night shift']],
    };
    const row = exportUserCsv([user]).split('\r\n')[1];
    expect(row).to.equal(`"Jo ""JJ"" O;Neil";jo;;;"Ops|Night shift";;;"${MD5_1234},0042";;;;;;;`);
    expect(withoutOrigin(parseUserCsv(csv(exportUserCsv([user]))).users)).to.deep.equal(
      withoutOrigin([user]),
    );
  });

  it('refuses values the format cannot carry, without echoing them', () => {
    const base = parseUserCsv(csv(`${HEADER}\n"x";x\n`)).users[0];
    expect(() => exportUserCsv([{ ...base, cards: ['12,34'] }]))
      .to.throw(/user "x": a CARDS value contains ","/)
      .with.property('code', ErrorCode.ValidationFailed);
    expect(() => exportUserCsv([{ ...base, groups: [['A|B']] }])).to.throw(/GROUPS value has a group name/);
  });
});

describe('CSV import options', () => {
  it('default every merge mode to ifNotEmpty and accept the others', () => {
    expect(DEFAULT_CSV_IMPORT_OPTIONS).to.deep.equal({
      cards: 'ifNotEmpty',
      pin: 'ifNotEmpty',
      groups: 'ifNotEmpty',
      delegates: 'ifNotEmpty',
    });
    expect(csvImportOptionsSchema.parse({ cards: 'full', pin: 'none', delegates: 'addNew' })).to.deep.equal({
      cards: 'full',
      pin: 'none',
      groups: 'ifNotEmpty',
      delegates: 'addNew',
    });
  });

  it('reject unknown modes, unknown fields and unknown delimiters', () => {
    expect(csvImportOptionsSchema.safeParse({ cards: 'replace' }).success).to.equal(false);
    expect(csvImportOptionsSchema.safeParse({ emails: 'full' }).success).to.equal(false);
    expect(userCsvParseOptionsSchema.safeParse({ delimiter: '|' }).success).to.equal(false);
    expect(userCsvParseOptionsSchema.parse({ delimiter: '\t', skipHeader: true })).to.deep.equal({
      delimiter: '\t',
      skipHeader: true,
    });
  });
});

describe('parseUserCsv on 100,000 lines', function () {
  this.timeout(120_000);

  it('parses them in reasonable time', () => {
    const lines = [HEADER];
    for (let i = 0; i < 100_000; i++) {
      const pin = i % 2 ? MD5_1234 : String(1000 + (i % 9000));
      lines.push(
        `"User ${i}";"u${i},alias${i}";u${i}@example.org;C${i};"Org|Dept${i % 50}|Team${i % 7}";${pin};en`,
      );
    }
    const input = csv(lines.join('\r\n'));
    const started = process.hrtime.bigint();
    const read = parseUserCsv(input);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // eslint-disable-next-line no-console -- the brief asks for the timing to be shown
    console.log(`      100,000 lines (${(input.length / 1e6).toFixed(1)} MB) parsed in ${ms.toFixed(0)} ms`);
    expect(read.users).to.have.length(100_000);
    expect(read.problems).to.deep.equal([]);
    expect(read.users[99_999].origin).to.equal('line 100001');
    expect(read.groups).to.have.length(350);
    expect(ms).to.be.below(30_000);
  });
});
