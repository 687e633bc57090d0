/**
 * Unit tests of the PJL header reader, with headers shaped like those real drivers send (HP Universal Print
 * Driver, Ricoh and Kyocera JOBATTR accounting, Xerox, SAP) and with damaged or hostile input.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { pjlSettings, readPjlHeader } from './pjl';

const UEL = '\x1b%-12345X';

function job(header: string, body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(header, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

describe('readPjlHeader', () => {
  it('reads an HP Universal Print Driver header (JOB, JobAcct JOBATTRs, USERNAME, PCL XL)', () => {
    const header =
      `${UEL}@PJL JOB NAME="Microsoft Word - Q3 report.docx" DISPLAY="1234 alice Microsoft Word - Q3 report.docx"\r\n` +
      '@PJL SET JOBATTR="JobAcct1=alice"\r\n' +
      '@PJL SET JOBATTR="JobAcct2=WS-0142"\r\n' +
      '@PJL SET JOBATTR="JobAcct3=CORP"\r\n' +
      '@PJL SET USERNAME="alice"\r\n' +
      '@PJL SET STRINGCODESET=UTF8\r\n' +
      '@PJL COMMENT "Username: mallory; App Filename: Q3 report.docx; 1-24-2024"\r\n' +
      '@PJL SET HOLD=OFF\r\n' +
      '@PJL SET RESOLUTION = 600\r\n' +
      '@PJL SET LPARM:PCL SYMSET=ROMAN8\r\n' +
      '@PJL ENTER LANGUAGE=PCLXL\r\n';
    const result = readPjlHeader(job(header, ') HP-PCL XL;2;0;Comment Copyright HP\n'));
    expect(result.language).to.equal('PCLXL');
    expect(result.headerBytes).to.equal(Buffer.byteLength(header, 'latin1'));
    expect(result.variables).to.deep.equal({
      'JOB NAME': 'Microsoft Word - Q3 report.docx',
      'JOB DISPLAY': '1234 alice Microsoft Word - Q3 report.docx',
      JOBACCT1: 'alice',
      JOBACCT2: 'WS-0142',
      JOBACCT3: 'CORP',
      USERNAME: 'alice',
      STRINGCODESET: 'UTF8',
      HOLD: 'OFF',
      RESOLUTION: '600',
    });
  });

  it('reads Ricoh-style @KEY JOBATTRs before PostScript', () => {
    const header =
      `${UEL}@PJL\r\n` +
      '@PJL SET JOBATTR="@LUNA=bob"\r\n' +
      '@PJL SET JOBATTR="@JOAU=bob"\r\n' +
      '@PJL SET JOBATTR="@CDAT=2024/01/24"\r\n' +
      '@PJL SET JOBATTR="@JOBN=Invoice 42.pdf"\r\n' +
      '@PJL SET USERID="bob"\r\n' +
      '@PJL SET DATAMODE=COLOR\r\n' +
      '@PJL ENTER LANGUAGE=POSTSCRIPT\r\n';
    const result = readPjlHeader(job(header, '%!PS-Adobe-3.0\n'));
    expect(result.language).to.equal('POSTSCRIPT');
    expect(result.variables).to.include({
      LUNA: 'bob',
      JOAU: 'bob',
      CDAT: '2024/01/24',
      JOBN: 'Invoice 42.pdf',
      USERID: 'bob',
      DATAMODE: 'COLOR',
    });
    expect(result.headerBytes).to.equal(header.length);
  });

  it('reads a Kyocera-style header with LF line ends and spaces around "="', () => {
    const header =
      `${UEL}@PJL SET JOBNAME = "Budget.xlsx"\n` +
      '@PJL SET JOBATTR="@JOAU=carol"\n' +
      '@PJL SET KUSERNAME="carol"\n' +
      '@PJL USTATUSOFF\n' +
      '@PJL ENTER LANGUAGE = PCL\n';
    const result = readPjlHeader(job(header, '\x1bE\x1b&l0O'));
    expect(result.language).to.equal('PCL');
    expect(result.variables).to.deep.equal({ JOBNAME: 'Budget.xlsx', JOAU: 'carol', KUSERNAME: 'carol' });
    expect(result.headerBytes).to.equal(header.length);
  });

  it('reads a Xerox header, skipping its XRX comment block, before PDF', () => {
    const header =
      `${UEL}@PJL JOB\r\n` +
      '@PJL COMMENT XRXbegin\r\n' +
      '@PJL COMMENT OID_ATT_JOB_OWNER "dave";\r\n' +
      '@PJL COMMENT XRXend\r\n' +
      '@PJL SET USERNAME = "dave"\r\n' +
      '@PJL ENTER LANGUAGE=PDF\r\n';
    const result = readPjlHeader(job(header, '%PDF-1.7\n'));
    expect(result.variables).to.deep.equal({ USERNAME: 'dave' });
    expect(result.language).to.equal('PDF');
  });

  it('reads an SAP header whose technical user hides the real one in the job name', () => {
    const header =
      `${UEL}@PJL JOB NAME="SAP SP01 0000012345 JSMITH"\r\n` +
      '@PJL SET USERNAME="SYSTEM"\r\n' +
      '@PJL ENTER LANGUAGE=PCL\r\n';
    const result = readPjlHeader(job(header, '\x1bE'));
    expect(result.variables).to.deep.equal({ 'JOB NAME': 'SAP SP01 0000012345 JSMITH', USERNAME: 'SYSTEM' });
  });

  it('gives an empty header for a job without PJL, and skips a bare UEL', () => {
    expect(readPjlHeader(Buffer.from('%PDF-1.7\n%âãÏÓ'))).to.deep.equal({
      variables: {},
      language: null,
      headerBytes: 0,
    });
    expect(readPjlHeader(Buffer.from(`${UEL}%PDF-1.4`, 'latin1'))).to.deep.equal({
      variables: {},
      language: null,
      headerBytes: UEL.length,
    });
    expect(readPjlHeader(Buffer.alloc(0)).headerBytes).to.equal(0);
  });

  it('accepts blank lines after the UEL, repeated UELs and lower-case commands', () => {
    const header = `${UEL}${UEL}\r\n@pjl set username=erin\r\n${UEL}@PJL ENTER LANGUAGE=pdf\n`;
    const result = readPjlHeader(job(header, '%PDF'));
    expect(result.variables).to.deep.equal({ USERNAME: 'erin' });
    expect(result.language).to.equal('PDF');
    expect(result.headerBytes).to.equal(header.length);
  });

  it('lets a later SET win and keeps JOBATTRs that are not KEY=VALUE', () => {
    const header =
      '@PJL SET USERNAME="first"\n@PJL SET USERNAME="second"\n@PJL SET JOBATTR="plain text"\n' +
      '@PJL SET TITLE="unclosed quote\n@PJL SET EMPTY=\n';
    const result = readPjlHeader(job(header, 'data'));
    expect(result.variables).to.deep.equal({
      USERNAME: 'second',
      JOBATTR: 'plain text',
      TITLE: 'unclosed quote',
      EMPTY: '',
    });
    expect(result.language).to.equal(null);
    expect(result.headerBytes).to.equal(header.length);
  });

  it('decodes UTF-8 values, and Windows code page values that are not UTF-8', () => {
    const utf8 = readPjlHeader(Buffer.from('@PJL SET USERNAME="Jürgen Čapek"\n', 'utf8'));
    expect(utf8.variables.USERNAME).to.equal('Jürgen Čapek');
    const latin1 = readPjlHeader(Buffer.from('@PJL SET USERNAME="Jürgen"\n', 'latin1'));
    expect(latin1.variables.USERNAME).to.equal('Jürgen');
  });

  it('stops at the first line that is not PJL, and does not take "@PJLX" for PJL', () => {
    const header = '@PJL SET USERNAME=frank\n';
    const result = readPjlHeader(job(header, '@PJLX SET USERNAME=eve\n@PJL SET USERNAME=eve\n'));
    expect(result.variables).to.deep.equal({ USERNAME: 'frank' });
    expect(result.headerBytes).to.equal(header.length);
  });

  it('ends the header at a truncated last line without reading it', () => {
    const head = Buffer.from('@PJL SET USERNAME=grace\n@PJL SET JOBNAME="cut he', 'latin1');
    const result = readPjlHeader(head);
    expect(result.variables).to.deep.equal({ USERNAME: 'grace' });
    expect(result.headerBytes).to.equal(head.length);
  });

  it('ends the header at a bare ENTER with no language', () => {
    const result = readPjlHeader(Buffer.from('@PJL ENTER\n@PJL SET USERNAME=x\n'));
    expect(result).to.deep.equal({ variables: {}, language: null, headerBytes: 11 });
  });

  it('never throws on random bytes, and stays within the input', () => {
    for (let i = 0; i < 2000; i += 1) {
      const noise = randomBytes(1 + (i % 300));
      const input = i % 2 === 0 ? noise : Buffer.concat([Buffer.from(`${UEL}@PJL SET A="`), noise]);
      const result = readPjlHeader(input);
      expect(result.headerBytes).to.be.within(0, input.length);
    }
  });

  it('reads 64 KB of PJL lines, or one 64 KB line, quickly', () => {
    const many = Buffer.from('@PJL SET A=1\n'.repeat(5000));
    const oneLine = Buffer.from(`@PJL JOB ${'NAME="x" '.repeat(7000)}`);
    const started = process.hrtime.bigint();
    expect(readPjlHeader(many).variables).to.deep.equal({ A: '1' });
    expect(readPjlHeader(oneLine).headerBytes).to.equal(oneLine.length);
    expect(readPjlHeader(Buffer.concat([oneLine, Buffer.from('\n')])).variables).to.deep.equal({
      'JOB NAME': 'x',
    });
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(500);
  });
});

describe('readPjlHeader DEFAULT lines', () => {
  it('reads DEFAULT variables, which a SET of the same name overrides whatever the order', () => {
    const header =
      '@PJL SET DUPLEX=ON\n@PJL DEFAULT DUPLEX=OFF\n@PJL DEFAULT PAPER=LETTER\n@PJL DEFAULT LPARM:PCL X=1\n';
    expect(readPjlHeader(Buffer.from(header)).variables).to.deep.equal({ DUPLEX: 'ON', PAPER: 'LETTER' });
  });
});

describe('pjlSettings', () => {
  function settings(header: string) {
    return pjlSettings(readPjlHeader(Buffer.from(header, 'latin1')).variables);
  }

  it('reads an HP header: copies, quantity, duplex binding, paper, render mode, economode', () => {
    const header =
      `${UEL}@PJL JOB NAME="Report.pdf"\r\n@PJL SET USERNAME="alice"\r\n@PJL SET COPIES=3\r\n@PJL SET QTY=2\r\n` +
      '@PJL SET DUPLEX=ON\r\n@PJL SET BINDING=SHORTEDGE\r\n@PJL SET PAPER=A4\r\n@PJL SET RENDERMODE=GRAYSCALE\r\n' +
      '@PJL SET ECONOMODE=ON\r\n@PJL ENTER LANGUAGE=PCLXL\r\n';
    expect(settings(header)).to.deep.equal({
      copies: 3,
      quantity: 2,
      duplex: 'short-edge',
      paper: 'iso_a4_210x297mm',
      renderMode: 'grayscale',
      economode: true,
      staple: null,
      punch: null,
      userName: 'alice',
      jobName: 'Report.pdf',
    });
  });

  it('reads Kyocera, Ricoh and finishing-style settings', () => {
    const kyocera = settings(
      '@PJL SET DUPLEX=ON\n@PJL SET ECOPRINT=OFF\n@PJL SET STAPLE=LEFTTOP\n@PJL SET PUNCH=OFF\n' +
        '@PJL SET COLORMODE=MONO\n@PJL SET JOBNAME="k.doc"\n',
    );
    expect(kyocera).to.include({
      duplex: 'long-edge',
      economode: false,
      staple: 'LEFTTOP',
      punch: null,
      renderMode: 'grayscale',
      jobName: 'k.doc',
    });
    const ricoh = settings('@PJL SET DATAMODE=COLOR\n@PJL SET PUNCHHOLE=TWO\n@PJL SET FINISH=STAPLE\n');
    expect(ricoh).to.include({ renderMode: 'color', punch: 'TWO', staple: 'STAPLE' });
    expect(settings('@PJL SET DUPLEX=OFF\n@PJL SET BINDING=SHORTEDGE\n').duplex).to.equal('simplex');
    expect(settings('@PJL SET PAPER=LETTER\n').paper).to.equal('na_letter_8.5x11in');
  });

  it("reads PAPER in HP's vocabulary: B5 is the ISO B5 envelope, JISB5 the JIS paper, JPOST a Hagaki", () => {
    const paper = (value: string) => settings(`@PJL SET PAPER=${value}\n`).paper;
    expect(paper('B5')).to.equal('iso_b5_176x250mm');
    expect(paper('JISB5')).to.equal('jis_b5_182x257mm');
    expect(paper('JPOST')).to.equal('jpn_hagaki_100x148mm');
    expect(paper('JPOSTD')).to.equal('jpn_oufuku_148x200mm');
    expect(paper('MONARCH')).to.equal('na_monarch_3.875x7.5in');
    expect(paper('STATEMENT')).to.equal('na_invoice_5.5x8.5in');
    expect(paper('FOLIO')).to.equal('na_foolscap_8.5x13in');
  });

  it('gives null for what the header does not say or says badly', () => {
    const empty = settings('@PJL\n');
    expect(Object.values(empty).every((value) => value === null)).to.equal(true);
    const bad = settings(
      '@PJL SET COPIES=many\n@PJL SET QTY=0\n@PJL SET PAPER=POSTER\n@PJL SET RENDERMODE=AUTO\n',
    );
    expect(bad).to.include({ copies: null, quantity: null, paper: null, renderMode: null });
    expect(settings('@PJL SET COPIES=99999999\n').copies).to.equal(null);
  });
});
