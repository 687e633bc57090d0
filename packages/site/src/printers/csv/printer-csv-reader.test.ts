/** Unit tests of the printer CSV reader: separators, headers, row numbers, ignored columns, bad files. */
import { expect } from 'chai';
import { ErrorCode, QuireError } from '@quire/common';
import { readPrinterCsv } from './printer-csv-reader';

/** The message and first listed problem of the PRINTER_CSV_INVALID `text` is refused with. */
function refusal(text: string): { message: string; problem: Record<string, unknown> } {
  try {
    readPrinterCsv(text);
  } catch (err) {
    expect(err).to.be.instanceOf(QuireError);
    const error = err as QuireError;
    expect(error.code).to.equal(ErrorCode.PrinterCsvInvalid);
    return { message: error.message, problem: (error.details!.errors as Array<Record<string, unknown>>)[0] };
  }
  throw new Error('the file was read');
}

describe('readPrinterCsv', () => {
  it('reads cells by column in any order and case, numbering rows as a spreadsheet does', () => {
    const file = readPrinterCsv(
      '\uFEFFipaddress;PRINTER;Model;mac\r\n10.0.0.5;hall-a;HP;AA-BB-CC-DD-EE-01\r\n\r\n' +
        '"10.0.0.6";"note\nb";;\r\n',
    );
    expect(file.ignoredColumns).to.deep.equal(['Model']);
    expect(file.problems).to.deep.equal([]);
    expect(file.rows).to.deep.equal([
      {
        row: 2,
        cells: {
          IPAddress: { value: '10.0.0.5', column: 1 },
          printer: { value: 'hall-a', column: 2 },
          MAC: { value: 'AA-BB-CC-DD-EE-01', column: 4 },
        },
      },
      {
        row: 4,
        cells: {
          IPAddress: { value: '10.0.0.6', column: 1 },
          printer: { value: 'note\nb', column: 2 },
          MAC: { value: '', column: 4 },
        },
      },
    ]);
  });

  it('gives back text an export defused, and keeps an apostrophe that defuses nothing', () => {
    const file = readPrinterCsv(
      "printer;IPAddress;location\nhall-a;10.0.0.5;'=1+1\nhall-b;10.0.0.6;'s-Hertogenbosch\n",
    );
    expect(file.rows.map((row) => row.cells.location?.value)).to.deep.equal(['=1+1', "'s-Hertogenbosch"]);
  });

  it('lists every column it does not apply, and tolerates the empty trailing columns spreadsheets add', () => {
    const file = readPrinterCsv(
      'printer;IPAddress;scannerIP;terminalID;enforcedModel;Paper A4;;\nx;10.0.0.1;;;;;;\n',
    );
    expect(file.ignoredColumns).to.deep.equal(['scannerIP', 'terminalID', 'enforcedModel', 'Paper A4']);
    expect(file.rows).to.have.length(1);
  });

  it('reports a row with more cells than the header has columns, and reads the others', () => {
    const file = readPrinterCsv('printer;IPAddress\nx;10.0.0.1;oops\ny;10.0.0.2\n');
    expect(file.rows.map((row) => row.row)).to.deep.equal([3]);
    expect(file.problems).to.deep.equal([
      {
        row: 2,
        column: 3,
        columnName: null,
        value: 'oops',
        expected: 'empty: the header names 2 columns (a ";" too many in the row?)',
        message:
          'Row 2, column 3: "oops" must be empty: the header names 2 columns (a ";" too many in the row?)',
      },
    ]);
  });

  it('refuses a comma- or tab-separated file, saying the separator must be a semicolon', () => {
    const comma = refusal('printer,IPAddress,location\nx,10.0.0.1,Hall\n');
    expect(comma.message).to.equal(
      'The printer CSV cannot be read: it is separated by commas (,), but a printer CSV is separated by ' +
        'semicolons (;), as MyQ requires: its header starts printer;IPAddress. ' +
        'Save it again with ";" as the separator',
    );
    expect(comma.problem).to.include({ row: 1, value: 'printer,IPAddress,location' });
    expect(refusal('printer\tIPAddress\n').message).to.contain('it is separated by tabs');
  });

  it('refuses a header without printer or IPAddress, or with a column twice or unnamed', () => {
    expect(refusal('name;IPAddress\nx;10.0.0.1\n').message).to.equal(
      'The printer CSV cannot be read: row 1 must be the header, starting printer;IPAddress; ' +
        'it has no printer column',
    );
    expect(refusal('printer;IP\n').message).to.contain('it has no IPAddress column');
    expect(refusal('printer;IPAddress;MAC;mac\n').message).to.contain(
      'the header names the column "mac" twice',
    );
    expect(refusal('printer;;IPAddress\n').message).to.contain('column 2 of the header has no name');
    expect(refusal('hello\nworld\n').message).to.contain('it is not a printer CSV header');
  });

  it('refuses empty files, files that are not UTF-8 and broken quoting', () => {
    expect(refusal('\uFEFF \r\n').message).to.contain('the file is empty; it needs a header row');
    expect(refusal('printer;IPAddress\nB\uFFFDro;10.0.0.1\n').message).to.contain('it is not UTF-8 text');
    expect(refusal('printer;IPAddress\n"x;10.0.0.1\n').message).to.equal(
      'The printer CSV cannot be read: a quoted cell in the record starting on line 2 is never closed',
    );
    expect(refusal('printer;IPAddress\n"x"y;10.0.0.1\n').message).to.contain(
      'line 2: text follows a closing quote',
    );
  });
});
