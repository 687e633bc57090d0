/** Unit tests of the CSV cells: quoting, empty values, dates, and formulas defused. */
import { expect } from 'chai';
import { csvCell, csvLine } from './csv-cells';

describe('CSV cells', () => {
  it('writes empty cells for null and undefined, ISO 8601 for dates and plain numbers and booleans', () => {
    expect(csvLine([null, undefined, 0, 12.5, false, new Date('2025-03-01T10:00:00Z')])).to.equal(
      ';;0;12.5;false;2025-03-01T10:00:00.000Z\r\n',
    );
  });

  it('quotes only cells holding a separator, a quote or a line break, doubling the quotes', () => {
    expect(csvCell('Hall A')).to.equal('Hall A');
    expect(csvCell('a;b')).to.equal('"a;b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('two\r\nlines')).to.equal('"two\r\nlines"');
  });

  it('puts an apostrophe before text a spreadsheet would run as a formula', () => {
    expect(['=1+1', '+33 1', '-2', '@SUM(A1)', '\tx'].map((text) => csvCell(text))).to.deep.equal([
      "'=1+1",
      "'+33 1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
    ]);
    expect(csvCell(-2)).to.equal('-2');
    expect(csvCell('=HYPERLINK("x")')).to.equal(`"'=HYPERLINK(""x"")"`);
  });
});
