/**
 * Unit tests of the forced-policy PJL header: jobs built like real drivers' output (HP Universal Print Driver,
 * Windows PostScript, CUPS, Ricoh, Kyocera) in each language that takes PJL, with and without a header. Every
 * plan is checked the way a printer would see it: the bytes after the job's own header go out unchanged, and
 * our own PJL reader, run on what is sent, finds the forced values and the document right after the prefix.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { detectPdl } from '../pdl/detect';
import { type PjlSettings, pjlSettings, readPjlHeader } from '../pdl/pjl';
import {
  customPjlLineProblem,
  type ForcedPolicies,
  planPolicyHeader,
  type PjlVariables,
  type PolicyHeaderPlan,
} from './pjl-policy';

const UEL = '\x1b%-12345X';
const KEEP: ForcedPolicies = { color: 'keep', duplex: 'keep', tonerSave: 'keep', customPjl: [] };
const VARS: PjlVariables = { username: 'alice', jobname: 'Q3 report.docx', fullname: 'Alice Smith' };
// Binary noise with the bytes a careless rewrite would trip on: line ends, ESC, a UEL and a `@PJL` inside.
const NOISE = Buffer.concat([
  randomBytes(512),
  Buffer.from(`\r\n\n${UEL}@PJL SET DUPLEX=ON\r\n\x1b\r`),
  randomBytes(64),
]);
const TRAILER = `${UEL}@PJL EOJ\r\n${UEL}`;

/** The first bytes of a document in each language, then noise and the end-of-job trailer drivers send. */
const BODIES: Record<string, Buffer> = {
  pcl5: Buffer.concat([Buffer.from('\x1bE\x1b&l26A\x1b&l0O\x1b*t600R'), NOISE, Buffer.from(TRAILER)]),
  'pcl-xl': Buffer.concat([
    Buffer.from(') HP-PCL XL;2;0;Comment Copyright HP\n'),
    NOISE,
    Buffer.from(TRAILER),
  ]),
  postscript: Buffer.concat([
    Buffer.from('%!PS-Adobe-3.0\n%%Pages: 1\n'),
    NOISE,
    Buffer.from(`%%EOF\n${TRAILER}`),
  ]),
  pdf: Buffer.concat([
    Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n'),
    NOISE,
    Buffer.from(`%%EOF\n${TRAILER}`),
  ]),
};

/** Driver headers as they arrive, each opposite to the policies tested (colour, duplex, no toner save). */
const HEADERS: Record<string, string> = {
  'HP UPD, PCL XL': [
    `${UEL}@PJL JOB NAME="Q3 report.docx" DISPLAY="1234 alice Q3 report.docx"`,
    '@PJL SET JOBATTR="JobAcct1=alice"',
    '@PJL SET USERNAME="alice"',
    '@PJL SET STRINGCODESET=UTF8',
    '@PJL SET RENDERMODE=COLOR',
    '@PJL SET DUPLEX=ON',
    '@PJL SET BINDING=LONGEDGE',
    '@PJL SET ECONOMODE=OFF',
    '@PJL ENTER LANGUAGE=PCLXL',
    '',
  ].join('\r\n'),
  'Windows PostScript': [
    `${UEL}@PJL JOB`,
    '@PJL SET RENDERMODE = COLOR',
    '@PJL SET DUPLEX = ON',
    '@PJL SET BINDING = SHORTEDGE',
    '@PJL SET ECONOMODE = OFF',
    '@PJL DEFAULT DUPLEX=ON',
    '@PJL ENTER LANGUAGE = POSTSCRIPT ',
    '',
  ].join('\r\n'),
  'CUPS, PDF, LF only': [
    `${UEL}@PJL JOB NAME="cups-42"`,
    '@PJL SET COLORMODE=COLOR',
    '@PJL SET DUPLEX=ON',
    '@PJL SET TONERSAVE=OFF',
    '@PJL ENTER LANGUAGE=PDF',
    '',
  ].join('\n'),
  'Kyocera, PCL 5, LF only': [
    `${UEL}@PJL SET JOBNAME = "Budget.xlsx"`,
    '@PJL SET JOBATTR="@JOAU=carol"',
    '@PJL SET ECOPRINT=OFF',
    '@pjl set duplex=on',
    '@PJL USTATUSOFF',
    '@PJL ENTER LANGUAGE = PCL',
    '',
  ].join('\n'),
};
const HEADER_PDL: Record<string, string> = {
  'HP UPD, PCL XL': 'pcl-xl',
  'Windows PostScript': 'postscript',
  'CUPS, PDF, LF only': 'pdf',
  'Kyocera, PCL 5, LF only': 'pcl5',
};

function file(header: string, pdl: string): Buffer {
  return Buffer.concat([Buffer.from(header, 'latin1'), BODIES[pdl]]);
}

/**
 * Check the contract on a plan and return what the printer's PJL interpreter will read: the document bytes
 * are exactly the job after its own header, and the sent stream's header ends exactly where the prefix ends.
 */
function sent(job: Buffer, plan: PolicyHeaderPlan): PjlSettings {
  const originalHeader = readPjlHeader(job).headerBytes;
  expect(plan.skipBytes).to.be.oneOf([0, originalHeader]);
  // Skipping nothing of a job that has a header is only right when nothing is added either.
  if (plan.skipBytes === 0 && originalHeader > 0) expect(plan.prefix.length).to.equal(0);
  const stream = Buffer.concat([plan.prefix, job.subarray(plan.skipBytes), plan.suffix]);
  const reread = readPjlHeader(stream);
  expect(reread.headerBytes).to.equal(plan.prefix.length > 0 ? plan.prefix.length : originalHeader);
  const document = stream.subarray(plan.prefix.length, stream.length - plan.suffix.length);
  expect(document.equals(job.subarray(plan.skipBytes))).to.equal(true);
  return pjlSettings(reread.variables);
}

function lines(buffer: Buffer): string[] {
  return buffer.toString('utf8').split(UEL).join('').split(/\r?\n/);
}

describe('planPolicyHeader', () => {
  const everything: ForcedPolicies = {
    color: 'mono',
    duplex: 'long-edge',
    tonerSave: 'on',
    customPjl: ['@PJL SET JOBATTR="@LUNA=%username%"'],
  };

  it('leaves a job untouched when nothing is forced, header or not', () => {
    for (const job of [BODIES.pdf, file(HEADERS['HP UPD, PCL XL'], 'pcl-xl')]) {
      const plan = planPolicyHeader(job, 'pdf', KEEP, VARS);
      expect(plan).to.deep.equal({
        prefix: Buffer.alloc(0),
        skipBytes: 0,
        suffix: Buffer.alloc(0),
        applied: [],
        warnings: [],
      });
    }
  });

  for (const [pdl, language] of [
    ['pcl5', 'PCL'],
    ['pcl-xl', 'PCLXL'],
    ['postscript', 'POSTSCRIPT'],
    ['pdf', 'PDF'],
  ]) {
    it(`adds a whole PJL job around ${pdl} that has no header`, () => {
      const plan = planPolicyHeader(BODIES[pdl], pdl, everything, VARS);
      expect(plan.skipBytes).to.equal(0);
      expect(plan.prefix.toString('latin1')).to.equal(
        `${UEL}@PJL JOB NAME="Q3 report.docx"\r\n@PJL SET RENDERMODE=GRAYSCALE\r\n@PJL SET DUPLEX=ON\r\n` +
          `@PJL SET BINDING=LONGEDGE\r\n@PJL SET ECONOMODE=ON\r\n@PJL SET JOBATTR="@LUNA=alice"\r\n` +
          `@PJL ENTER LANGUAGE=${language}\r\n`,
      );
      expect(plan.suffix.toString('latin1')).to.equal(`${UEL}@PJL EOJ\r\n${UEL}`);
      const settings = sent(BODIES[pdl], plan);
      expect(settings).to.include({ renderMode: 'grayscale', duplex: 'long-edge', economode: true });
      expect(settings.jobName).to.equal('Q3 report.docx');
      expect(detectPdl(Buffer.concat([plan.prefix, BODIES[pdl]])).pdl).to.equal(pdl);
      expect(plan.applied).to.deep.equal([
        'black & white forced (PJL RENDERMODE=GRAYSCALE)',
        'double-sided, long-edge forced (PJL DUPLEX=ON, BINDING=LONGEDGE)',
        'toner save on forced (PJL ECONOMODE=ON)',
        'custom PJL line added (@PJL SET LUNA)',
      ]);
      expect(plan.warnings).to.deep.equal([]);
    });
  }

  for (const [name, header] of Object.entries(HEADERS)) {
    it(`rewrites the ${name} header: drops what conflicts, keeps the rest and ENTER LANGUAGE last`, () => {
      const pdl = HEADER_PDL[name];
      const job = file(header, pdl);
      const plan = planPolicyHeader(job, pdl, { ...everything, duplex: 'simplex' }, VARS);
      expect(plan.skipBytes).to.equal(Buffer.byteLength(header, 'latin1'));
      expect(plan.suffix.length).to.equal(0);
      const settings = sent(job, plan);
      expect(settings).to.include({ renderMode: 'grayscale', duplex: 'simplex', economode: true });
      const original = header.split(/(?<=\n)/);
      const enter = original[original.length - 1];
      expect(plan.prefix.subarray(plan.prefix.length - enter.length).toString('latin1')).to.equal(enter);
      const conflicting = /^@PJL SET (RENDERMODE|COLORMODE|DUPLEX|BINDING|ECONOMODE|ECOPRINT|TONERSAVE)\b/i;
      const prefix = plan.prefix.toString('latin1');
      for (const line of original) {
        if (conflicting.test(line.replace(UEL, ''))) expect(prefix).not.to.include(line);
        else expect(prefix).to.include(line);
      }
      expect(prefix.split(UEL).length - 1).to.equal(1);
      expect(detectPdl(Buffer.concat([plan.prefix, job.subarray(plan.skipBytes)])).pdl).to.equal(pdl);
    });
  }

  it('reads back every combination of the three policies over a header that says the opposite', () => {
    const job = file(HEADERS['HP UPD, PCL XL'], 'pcl-xl');
    for (const color of ['keep', 'mono'] as const) {
      for (const duplex of ['keep', 'simplex', 'long-edge', 'short-edge'] as const) {
        for (const tonerSave of ['keep', 'on', 'off'] as const) {
          const plan = planPolicyHeader(job, 'pcl-xl', { color, duplex, tonerSave, customPjl: [] }, VARS);
          const settings = sent(job, plan);
          expect(settings.renderMode).to.equal(color === 'mono' ? 'grayscale' : 'color');
          expect(settings.duplex).to.equal(duplex === 'keep' ? 'long-edge' : duplex);
          expect(settings.economode).to.equal(tonerSave === 'on');
          const forced = color !== 'keep' || duplex !== 'keep' || tonerSave !== 'keep';
          expect(plan.skipBytes).to.equal(forced ? Buffer.byteLength(HEADERS['HP UPD, PCL XL']) : 0);
        }
      }
    }
  });

  it("writes the forced value under the vendor's own name when the driver used it (Ricoh DATAMODE)", () => {
    const header = `${UEL}@PJL\r\n@PJL SET DATAMODE=COLOR\r\n@PJL SET ECOPRINT=ON\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n`;
    const job = file(header, 'postscript');
    const plan = planPolicyHeader(job, 'postscript', { ...KEEP, color: 'mono', tonerSave: 'off' }, VARS);
    expect(plan.prefix.toString('latin1')).to.equal(
      `${UEL}@PJL\r\n@PJL SET RENDERMODE=GRAYSCALE\r\n@PJL SET DATAMODE=GRAYSCALE\r\n` +
        '@PJL SET ECONOMODE=OFF\r\n@PJL SET ECOPRINT=OFF\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n',
    );
    expect(sent(job, plan)).to.include({ renderMode: 'grayscale', economode: false });
  });

  it('adds the forced lines at the end of a header without ENTER LANGUAGE, and a UEL when it lacks one', () => {
    const header = '@PJL SET USERNAME="bob"\r\n@PJL SET DUPLEX=OFF\n';
    const job = file(header, 'postscript');
    const plan = planPolicyHeader(job, 'postscript', { ...KEEP, duplex: 'short-edge' }, VARS);
    expect(plan.prefix.toString('latin1')).to.equal(
      `${UEL}@PJL SET USERNAME="bob"\r\n@PJL SET DUPLEX=ON\r\n@PJL SET BINDING=SHORTEDGE\r\n`,
    );
    expect(plan.skipBytes).to.equal(header.length);
    expect(sent(job, plan)).to.include({ duplex: 'short-edge', userName: 'bob' });
    expect(detectPdl(Buffer.concat([plan.prefix, job.subarray(plan.skipBytes)])).pdl).to.equal('postscript');
  });

  it('replaces a lone UEL in front of the document', () => {
    const job = Buffer.concat([Buffer.from(UEL, 'latin1'), BODIES.postscript]);
    const plan = planPolicyHeader(job, 'postscript', { ...KEEP, color: 'mono' }, VARS);
    expect(plan.skipBytes).to.equal(UEL.length);
    expect(plan.prefix.toString('latin1')).to.equal(`${UEL}@PJL SET RENDERMODE=GRAYSCALE\r\n`);
    expect(sent(job, plan).renderMode).to.equal('grayscale');
  });

  for (const pdl of ['pwg-raster', 'urf', 'jpeg', 'unknown', null]) {
    it(`adds nothing to ${pdl ?? 'unanalysed'} data and says the policy was not applied`, () => {
      const job = Buffer.concat([Buffer.from('RaS2'), NOISE]);
      const plan = planPolicyHeader(
        job,
        pdl,
        { ...KEEP, color: 'mono', customPjl: ['@PJL COMMENT x'] },
        VARS,
      );
      expect(plan.prefix.length + plan.suffix.length + plan.skipBytes).to.equal(0);
      expect(plan.applied).to.deep.equal([]);
      expect(plan.warnings).to.deep.equal([
        `Forced black & white; custom PJL lines not applied: ${pdl ?? 'unanalysed'} data takes no PJL header`,
      ]);
    });
  }

  it('changes nothing when the PJL header runs past the bytes given', () => {
    const comments = Array.from({ length: 2500 }, (_, i) => `@PJL COMMENT padding line ${i}\r\n`).join('');
    const job = file(`${UEL}${comments}@PJL ENTER LANGUAGE=PCLXL\r\n`, 'pcl-xl');
    for (const length of [64 * 1024, UEL.length + comments.length, job.indexOf('PCLXL\r\n') + 5]) {
      const plan = planPolicyHeader(job.subarray(0, length), 'pcl-xl', { ...KEEP, color: 'mono' }, VARS);
      expect(plan.prefix.length + plan.skipBytes).to.equal(0);
      expect(plan.warnings).to.deep.equal([
        `Forced black & white not applied: the job's PJL header is longer than the ${length} bytes read`,
      ]);
    }
    const whole = planPolicyHeader(job, 'pcl-xl', { ...KEEP, color: 'mono' }, VARS);
    expect(sent(job, whole).renderMode).to.equal('grayscale');
  });

  it('keeps injected line ends, quotes and UELs in variables from reaching the printer as commands', () => {
    const hostile: PjlVariables = {
      username: `mallory"\r\n@PJL SET DUPLEX=ON\r\n${UEL}@PJL ENTER LANGUAGE=PCL\n`,
      jobname: `evil\n@PJL SET RENDERMODE=COLOR\x1b%-12345X\x9b`,
      fullname: '%username%',
    };
    const policies: ForcedPolicies = {
      ...KEEP,
      color: 'mono',
      duplex: 'simplex',
      customPjl: ['@PJL SET USERNAME=%username%', '@PJL COMMENT "by %fullname%"'],
    };
    for (const job of [BODIES.pcl5, file(HEADERS['Kyocera, PCL 5, LF only'], 'pcl5')]) {
      const plan = planPolicyHeader(job, 'pcl5', policies, hostile);
      const settings = sent(job, plan);
      expect(settings).to.include({ renderMode: 'grayscale', duplex: 'simplex' });
      expect(settings.userName).to.equal("mallory'@PJL SET DUPLEX=ON%-12345X@PJL ENTER LANGUAGE=PCL");
      expect(plan.prefix.toString('latin1').split(UEL).length - 1).to.equal(1);
      expect(plan.prefix.includes(0x9b)).to.equal(false);
      const prefixLines = lines(plan.prefix).filter((line) => line !== '');
      for (const line of prefixLines) expect(line).to.match(/^@PJL/i);
      expect(prefixLines.filter((line) => /^@PJL\s+ENTER/.test(line))).to.have.length(1);
      expect(plan.prefix.toString('latin1')).to.include('@PJL COMMENT "by %username%"');
    }
    const bare = planPolicyHeader(BODIES.pcl5, 'pcl5', policies, hostile);
    expect(sent(BODIES.pcl5, bare).jobName).to.equal('evil@PJL SET RENDERMODE=COLOR%-12345X');
  });

  it('bounds substituted values and writes the job line bare when the job has no name', () => {
    const long = { ...VARS, jobname: '', username: 'x'.repeat(300) };
    const plan = planPolicyHeader(
      BODIES.pdf,
      'pdf',
      { ...KEEP, customPjl: ['@PJL SET USERNAME=%username%'] },
      long,
    );
    expect(plan.prefix.toString('latin1')).to.equal(
      `${UEL}@PJL JOB\r\n@PJL SET USERNAME="${'x'.repeat(80)}"\r\n@PJL ENTER LANGUAGE=PDF\r\n`,
    );
    expect(sent(BODIES.pdf, plan).userName).to.equal('x'.repeat(80));
  });

  it('declares UTF-8 for non-ASCII values unless the header already does', () => {
    const vars = { ...VARS, fullname: 'José Müller' };
    const policies = { ...KEEP, customPjl: ['@PJL SET JOBATTR="@FULL=%fullname%"'] };
    const bare = planPolicyHeader(BODIES.postscript, 'postscript', policies, vars);
    expect(lines(bare.prefix).slice(0, 2)).to.deep.equal([
      '@PJL SET STRINGCODESET=UTF8',
      '@PJL JOB NAME="Q3 report.docx"',
    ]);
    const hp = file(HEADERS['HP UPD, PCL XL'], 'pcl-xl');
    const rewritten = planPolicyHeader(hp, 'pcl-xl', policies, vars);
    expect(lines(rewritten.prefix).filter((line) => line.includes('STRINGCODESET'))).to.have.length(1);
    for (const [job, plan] of [
      [BODIES.postscript, bare],
      [hp, rewritten],
    ] as const) {
      sent(job, plan);
      const reread = readPjlHeader(Buffer.concat([plan.prefix, job.subarray(plan.skipBytes)]));
      expect(reread.variables.FULL).to.equal('José Müller');
    }
  });

  it("drops the header's own SET of a variable a custom line sets, and never its DEFAULT lines", () => {
    const job = file(HEADERS['Windows PostScript'], 'postscript');
    const custom = ['@PJL SET ECONOMODE=ON', '@PJL SET JOBATTR="@JobAcct1=%username%"'];
    const plan = planPolicyHeader(job, 'postscript', { ...KEEP, customPjl: custom }, VARS);
    const prefix = plan.prefix.toString('latin1');
    expect(prefix).not.to.include('ECONOMODE = OFF');
    expect(prefix).to.include('@PJL DEFAULT DUPLEX=ON\r\n@PJL SET ECONOMODE=ON\r\n');
    expect(sent(job, plan)).to.include({ economode: true, duplex: 'short-edge', renderMode: 'color' });
    expect(plan.applied).to.deep.equal([
      'custom PJL line added (@PJL SET ECONOMODE)',
      'custom PJL line added (@PJL SET JOBACCT1)',
    ]);
  });

  it('skips a bad custom line with a warning and applies the rest', () => {
    const policies = { ...KEEP, customPjl: ['SET QTY=2', '@PJL COMMENT "%user%"', '@PJL SET HOLD=OFF'] };
    const plan = planPolicyHeader(BODIES.pcl5, 'pcl5', policies, VARS);
    expect(plan.warnings).to.deep.equal([
      'custom PJL line 1 skipped: it does not start with "@PJL"',
      'custom PJL line 2 skipped: it uses an unknown variable %user%',
    ]);
    expect(lines(plan.prefix)).to.include('@PJL SET HOLD=OFF');
  });
});

describe('customPjlLineProblem', () => {
  const cases: Array<[string, string | null]> = [
    ['@PJL SET JOBATTR="@LUNA=%username%"', null],
    ['  @pjl set username = %UserName%  ', null],
    ['@PJL COMMENT %fullname% printed %jobname%', null],
    ['@PJL SET QTY=2', null],
    ['SET QTY=2', 'does not start with "@PJL"'],
    ['@PJLX SET QTY=2', 'does not start with "@PJL"'],
    ['@PJL SET A=1\r\n@PJL SET B=2', 'contains a control character (line break, tab or escape)'],
    [`@PJL COMMENT ${UEL}`, 'contains a control character (line break, tab or escape)'],
    ['@PJL ENTER LANGUAGE=PCL', 'is "@PJL ENTER", which Quire writes itself'],
    ['@PJL EOJ', 'is "@PJL EOJ", which Quire writes itself'],
    ['@PJL JOB NAME="%jobname%"', 'is "@PJL JOB", which Quire writes itself'],
    ['@PJL SET USERNAME="%username%', 'has an unclosed double quote'],
    ['@PJL SET USERNAME=%user%', 'uses an unknown variable %user%'],
    [
      '@PJL SET USERNAME=u_%username%',
      'puts %username% next to other text outside quotes (quote it, or let it stand alone)',
    ],
    [
      '@PJL SET USERNAME=%username%x',
      'puts %username% next to other text outside quotes (quote it, or let it stand alone)',
    ],
    ['@PJL SET DENSITY=50%', null],
  ];
  for (const [template, problem] of cases) {
    it(`${problem === null ? 'accepts' : 'refuses'} ${JSON.stringify(template)}`, () => {
      expect(customPjlLineProblem(template)).to.equal(problem);
    });
  }
});
