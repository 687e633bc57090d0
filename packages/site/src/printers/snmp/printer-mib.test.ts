/** Unit tests of the Printer MIB decoders: error-state bits, text, integers, levels, names, MAC, colour, media. */
import { expect } from 'chai';
import {
  alertCodeName,
  alertSeverityName,
  decodeErrorState,
  encodeErrorState,
  formatMac,
  isColorCapable,
  levelPercent,
  mediaSizeName,
  snmpInteger,
  snmpText,
  supplyTypeName,
} from './printer-mib';

describe('printer MIB decoders', () => {
  describe('decodeErrorState', () => {
    it('reads the first octet from its high bit: lowPaper 0x80 down to serviceRequested 0x01', () => {
      expect(decodeErrorState(Buffer.from([0x80]))).to.deep.equal(['lowPaper']);
      expect(decodeErrorState(Buffer.from([0x40]))).to.deep.equal(['noPaper']);
      expect(decodeErrorState(Buffer.from([0x20]))).to.deep.equal(['lowToner']);
      expect(decodeErrorState(Buffer.from([0x10]))).to.deep.equal(['noToner']);
      expect(decodeErrorState(Buffer.from([0x08]))).to.deep.equal(['doorOpen']);
      expect(decodeErrorState(Buffer.from([0x04]))).to.deep.equal(['jammed']);
      expect(decodeErrorState(Buffer.from([0x02]))).to.deep.equal(['offline']);
      expect(decodeErrorState(Buffer.from([0x01]))).to.deep.equal(['serviceRequested']);
    });

    it('reads the second octet: inputTrayMissing 0x80 down to overduePreventMaint 0x02, bit 0x01 unused', () => {
      expect(decodeErrorState(Buffer.from([0, 0xff]))).to.deep.equal([
        'inputTrayMissing',
        'outputTrayMissing',
        'markerSupplyMissing',
        'outputNearFull',
        'outputFull',
        'inputTrayEmpty',
        'overduePreventMaint',
      ]);
    });

    it('treats a missing second octet as zero and ignores padding octets', () => {
      expect(decodeErrorState(Buffer.from([0x44]))).to.deep.equal(['noPaper', 'jammed']);
      expect(decodeErrorState(Buffer.from([0x00, 0x00, 0xff, 0xff]))).to.deep.equal([]);
      expect(decodeErrorState(Buffer.alloc(0))).to.deep.equal([]);
      expect(decodeErrorState(null)).to.deep.equal([]);
    });

    it('round-trips through encodeErrorState', () => {
      const bits = ['lowToner', 'doorOpen', 'outputFull'] as const;
      expect(encodeErrorState(bits).toString('hex')).to.equal('2808');
      expect(decodeErrorState(encodeErrorState(bits))).to.deep.equal([...bits]);
    });
  });

  it('decodes text as UTF-8, falls back to Latin-1, and drops NUL padding', () => {
    expect(snmpText(Buffer.from('HP LaserJet M507\0\0'))).to.equal('HP LaserJet M507');
    expect(snmpText(Buffer.from('Büro 2', 'utf8'))).to.equal('Büro 2');
    expect(snmpText(Buffer.from('x'.repeat(5000)))).to.have.length(255);
    expect(snmpText(Buffer.from('S'.repeat(300)), 128)).to.equal('S'.repeat(128));
    expect(snmpText(Buffer.from([0x42, 0xfc, 0x72, 0x6f]))).to.equal('Büro');
    expect(snmpText(undefined)).to.equal('');
    expect(snmpText(42)).to.equal('42');
  });

  it('reads integers, Counter64 buffers, and nothing else', () => {
    expect(snmpInteger(-2)).to.equal(-2);
    expect(snmpInteger(Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00]))).to.equal(4294967296);
    expect(snmpInteger(BigInt(12))).to.equal(12);
    expect(snmpInteger('12')).to.equal(null);
    expect(snmpInteger(null)).to.equal(null);
  });

  it('turns levels into whole percentages, and the MIB negatives into null', () => {
    expect(levelPercent(3750, 7500)).to.equal(50);
    expect(levelPercent(1, 3)).to.equal(33);
    expect(levelPercent(0, 100)).to.equal(0);
    expect(levelPercent(120, 100)).to.equal(100);
    expect(levelPercent(-1, 100)).to.equal(null);
    expect(levelPercent(-2, 100)).to.equal(null);
    expect(levelPercent(-3, 100)).to.equal(null);
    expect(levelPercent(50, -2)).to.equal(null);
    expect(levelPercent(50, 0)).to.equal(null);
  });

  it('names supply types, alert codes and severities, including values the MIB lacks', () => {
    expect(supplyTypeName(3)).to.equal('toner');
    expect(supplyTypeName(9)).to.equal('opc');
    expect(supplyTypeName(4)).to.equal('wasteToner');
    expect(supplyTypeName(99)).to.equal('type-99');
    expect(supplyTypeName(null)).to.equal('unknown');
    expect(alertCodeName(8)).to.equal('jam');
    expect(alertCodeName(3)).to.equal('coverOpen');
    expect(alertCodeName(808)).to.equal('inputMediaSupplyEmpty');
    expect(alertCodeName(1101)).to.equal('markerTonerEmpty');
    expect(alertCodeName(1104)).to.equal('markerTonerAlmostEmpty');
    expect(alertCodeName(40000)).to.equal('code-40000');
    expect(alertSeverityName(3)).to.equal('critical');
    expect(alertSeverityName(4)).to.equal('warning');
    expect(alertSeverityName(5)).to.equal('warningBinaryChangeEvent');
    expect(alertSeverityName(null)).to.equal('other');
  });

  it('formats 6-octet MAC addresses and refuses empty, zero and odd-sized ones', () => {
    expect(formatMac(Buffer.from([0x00, 0x1b, 0xa9, 0x0a, 0xbc, 0xde]))).to.equal('00:1b:a9:0a:bc:de');
    expect(formatMac(Buffer.alloc(6))).to.equal(null);
    expect(formatMac(Buffer.alloc(0))).to.equal(null);
    expect(formatMac(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]))).to.equal(null);
    expect(formatMac('00:1b:a9:0a:bc:de')).to.equal(null);
  });

  it('calls a device colour when it has several colorants or one that is not black', () => {
    expect(isColorCapable(['black'])).to.equal(false);
    expect(isColorCapable(['Black', 'black '])).to.equal(false);
    expect(isColorCapable([])).to.equal(false);
    expect(isColorCapable(['black', 'cyan', 'magenta', 'yellow'])).to.equal(true);
    expect(isColorCapable(['red'])).to.equal(true);
  });

  it('names declared media sizes the PWG way, in either unit and orientation', () => {
    expect(mediaSizeName(4, 297000, 210000)).to.equal('iso_a4_210x297mm');
    expect(mediaSizeName(3, 110000, 85000)).to.equal('na_letter_8.5x11in');
    expect(mediaSizeName(3, 85000, 140000)).to.equal('na_legal_8.5x14in');
    expect(mediaSizeName(4, 100000, 150000)).to.equal('custom_100x150mm');
    expect(mediaSizeName(4, -1, 210000)).to.equal('');
    expect(mediaSizeName(2, 297000, 210000)).to.equal('');
  });
});
