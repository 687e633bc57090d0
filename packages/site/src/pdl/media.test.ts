/**
 * Unit tests of the PWG media names: sizes to names (the closest known size within 5 mm, either orientation),
 * the PostScript/PPD paper keywords (B5 is JIS B5) and the PJL `PAPER` values (B5 is the ISO B5 envelope), and
 * the PCL 5 page size codes that name the same papers.
 */
import { expect } from 'chai';
import { mediaNameForKeyword, mediaNameForMm, mediaNameForPjlPaper, mediaNameForPoints } from './media';
import { pageSizeForCode } from './pcl5-media';

const INCH = 25.4;

describe('media names', () => {
  it('names Statement, Foolscap, Hagaki, Oufuku and Monarch by their size, in either orientation', () => {
    expect(mediaNameForMm(5.5 * INCH, 8.5 * INCH)).to.equal('na_invoice_5.5x8.5in');
    expect(mediaNameForPoints(396, 612)).to.equal('na_invoice_5.5x8.5in');
    expect(mediaNameForMm(13 * INCH, 8.5 * INCH)).to.equal('na_foolscap_8.5x13in');
    expect(mediaNameForPoints(612, 936)).to.equal('na_foolscap_8.5x13in');
    expect(mediaNameForMm(100, 148)).to.equal('jpn_hagaki_100x148mm');
    expect(mediaNameForPoints(283, 420)).to.equal('jpn_hagaki_100x148mm');
    expect(mediaNameForMm(200, 148)).to.equal('jpn_oufuku_148x200mm');
    expect(mediaNameForMm(3.875 * INCH, 7.5 * INCH)).to.equal('na_monarch_3.875x7.5in');
    expect(mediaNameForPoints(279, 540)).to.equal('na_monarch_3.875x7.5in');
  });

  it('picks the closest size when two are within the tolerance (Hagaki against A6)', () => {
    expect(mediaNameForMm(105, 148)).to.equal('iso_a6_105x148mm');
    expect(mediaNameForMm(103, 148)).to.equal('iso_a6_105x148mm');
    expect(mediaNameForMm(101, 148)).to.equal('jpn_hagaki_100x148mm');
    expect(mediaNameForMm(210, 297)).to.equal('iso_a4_210x297mm');
  });

  it('gives a PWG custom name to a size it does not know', () => {
    expect(mediaNameForMm(120, 200)).to.equal('custom_120x200mm_120x200mm');
  });

  it('reads PostScript and PPD keywords, where B4 and B5 are the JIS sizes', () => {
    expect(mediaNameForKeyword('B5')).to.equal('jis_b5_182x257mm');
    expect(mediaNameForKeyword('b4')).to.equal('jis_b4_257x364mm');
    expect(mediaNameForKeyword('ISOB5')).to.equal('iso_b5_176x250mm');
    expect(mediaNameForKeyword('EnvISOB5')).to.equal('iso_b5_176x250mm');
    expect(mediaNameForKeyword('Statement')).to.equal('na_invoice_5.5x8.5in');
    expect(mediaNameForKeyword('FanFoldGermanLegal')).to.equal('na_foolscap_8.5x13in');
    expect(mediaNameForKeyword('folio')).to.equal('na_foolscap_8.5x13in');
    expect(mediaNameForKeyword('Postcard')).to.equal('jpn_hagaki_100x148mm');
    expect(mediaNameForKeyword('DoublePostcardRotated')).to.equal('jpn_oufuku_148x200mm');
    expect(mediaNameForKeyword('EnvMonarch')).to.equal('na_monarch_3.875x7.5in');
    expect(mediaNameForKeyword(' a4 ')).to.equal('iso_a4_210x297mm');
  });

  it('reads PJL PAPER values, where B5 is the ISO B5 envelope and JISB5 the JIS paper', () => {
    expect(mediaNameForPjlPaper('B5')).to.equal('iso_b5_176x250mm');
    expect(mediaNameForPjlPaper('JISB5')).to.equal('jis_b5_182x257mm');
    expect(mediaNameForPjlPaper('JISB4')).to.equal('jis_b4_257x364mm');
    expect(mediaNameForPjlPaper('JPOST')).to.equal('jpn_hagaki_100x148mm');
    expect(mediaNameForPjlPaper('JPOSTD')).to.equal('jpn_oufuku_148x200mm');
    expect(mediaNameForPjlPaper('MONARCH')).to.equal('na_monarch_3.875x7.5in');
    expect(mediaNameForPjlPaper('MONARCHENV')).to.equal('na_monarch_3.875x7.5in');
    expect(mediaNameForPjlPaper('STATEMENT')).to.equal('na_invoice_5.5x8.5in');
    expect(mediaNameForPjlPaper('FOLIO')).to.equal('na_foolscap_8.5x13in');
    expect(mediaNameForPjlPaper('COM10')).to.equal('na_number-10_4.125x9.5in');
  });

  it('answers null for unknown keywords, including the names of object properties', () => {
    for (const keyword of ['POSTER', 'constructor', '__proto__', 'toString', 'CUSTOM', '']) {
      expect(mediaNameForKeyword(keyword), keyword).to.equal(null);
      expect(mediaNameForPjlPaper(keyword), keyword).to.equal(null);
    }
  });

  it('names the PCL 5 page size codes for these papers alike', () => {
    expect(pageSizeForCode(5, null)?.name).to.equal('na_invoice_5.5x8.5in');
    expect(pageSizeForCode(23, null)?.name).to.equal('na_foolscap_8.5x13in');
    expect(pageSizeForCode(71, null)?.name).to.equal('jpn_hagaki_100x148mm');
    expect(pageSizeForCode(72, null)?.name).to.equal('jpn_oufuku_148x200mm');
    expect(pageSizeForCode(80, null)?.name).to.equal('na_monarch_3.875x7.5in');
    expect(pageSizeForCode(45, null)?.name).to.equal('jis_b5_182x257mm');
    expect(pageSizeForCode(100, null)?.name).to.equal('iso_b5_176x250mm');
  });
});
