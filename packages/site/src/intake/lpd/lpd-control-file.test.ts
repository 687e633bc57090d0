/**
 * Unit tests of control-file parsing: the fields we use, copies from repeated print lines, which `N` line
 * belongs to which data file, unknown lines, charsets and broken input.
 */
import { expect } from 'chai';
import { isQuireError } from '@quire/common';
import { decodeLpdText, parseControlFile } from './lpd-control-file';

describe('parseControlFile', () => {
  it('reads the CUPS lpd backend layout: copies as repeated print lines, N after U', () => {
    const control = parseControlFile(
      Buffer.from(
        'Hprintsrv\nPalice\nJmyjob\nldfA123printsrv\nldfA123printsrv\nldfA123printsrv\nUdfA123printsrv\nNmyjob\n',
      ),
    );
    expect(control).to.deep.equal({
      host: 'printsrv',
      user: 'alice',
      jobName: 'myjob',
      bannerUser: null,
      className: null,
      prints: [{ dataFileName: 'dfA123printsrv', format: 'l', copies: 3, sourceName: 'myjob' }],
    });
  });

  it('keeps several data files in order, each with its own format, copies and source name', () => {
    const control = parseControlFile(
      Buffer.from('Pbob\nCsales\nLbob\nodfA1h\nUdfA1h\nNa.ps\nfdfB1h\nfdfB1h\nUdfB1h\nNb.txt\n'),
    );
    expect(control.bannerUser).to.equal('bob');
    expect(control.className).to.equal('sales');
    expect(control.prints).to.deep.equal([
      { dataFileName: 'dfA1h', format: 'o', copies: 1, sourceName: 'a.ps' },
      { dataFileName: 'dfB1h', format: 'f', copies: 2, sourceName: 'b.txt' },
    ]);
  });

  it('gives an N that precedes every print line to the next data file', () => {
    const control = parseControlFile(Buffer.from('Nfirst.pdf\nldfA1h\n'));
    expect(control.prints[0].sourceName).to.equal('first.pdf');
  });

  it('ignores unknown and empty lines, accepts CRLF and trims control characters', () => {
    const control = parseControlFile(
      Buffer.from('Zvendor\r\n\r\nX\nPcarol\x07\r\nJ  name  \nSx 1\nldfA9h\r\n'),
    );
    expect(control.user).to.equal('carol');
    expect(control.jobName).to.equal('name');
    expect(control.prints).to.have.length(1);
    expect(control.prints[0].dataFileName).to.equal('dfA9h');
  });

  it('decodes UTF-8 when valid and ISO-8859-1 otherwise', () => {
    expect(parseControlFile(Buffer.from('PJürgen\n', 'utf8')).user).to.equal('Jürgen');
    expect(parseControlFile(Buffer.from('PJürgen\n', 'latin1')).user).to.equal('Jürgen');
    expect(decodeLpdText(Buffer.from([0x41, 0xe9]))).to.equal('Aé');
  });

  it('cuts very long fields and reports nothing to print for a control file without print lines', () => {
    const control = parseControlFile(Buffer.from(`P${'u'.repeat(1000)}\n`));
    expect(control.user).to.have.length(255);
    expect(control.prints).to.deep.equal([]);
  });

  it('refuses a control file with a NUL byte', () => {
    let caught: unknown;
    try {
      parseControlFile(Buffer.from('Palice\n\0ldfA1h\n'));
    } catch (err) {
      caught = err;
    }
    expect(isQuireError(caught, 'BAD_REQUEST')).to.equal(true);
  });
});
