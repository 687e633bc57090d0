/**
 * The attribute registry's checks: syntax (with the with-language variants and out-of-band values where the
 * registry allows them), 1setOf cardinality, registered keywords and enums, integer ranges and RFC 8011
 * maximum lengths; unknown attributes pass.
 */
import { expect } from 'chai';
import { checkIppAttribute, ippAttributeRegistry, IppValues } from '../src';

describe('IPP attribute registry', () => {
  it('knows the groups and syntaxes of operation, job template and printer attributes', () => {
    expect(ippAttributeRegistry.get('printer-uri')).to.include({ group: 'operation', setOf: false });
    expect(ippAttributeRegistry.get('requested-attributes')?.setOf).to.equal(true);
    expect(ippAttributeRegistry.get('media')?.syntaxes).to.deep.equal(['keyword', 'name']);
    expect(ippAttributeRegistry.get('media-col-database')).to.include({ group: 'printer-description' });
  });

  it('accepts well-formed attributes, including nameWithLanguage for name and no-value where allowed', () => {
    expect(checkIppAttribute({ name: 'copies', values: [IppValues.integer(3)] })).to.equal(undefined);
    expect(checkIppAttribute({ name: 'job-name', values: [IppValues.nameWithLanguage('en', 'x')] })).to.equal(
      undefined,
    );
    expect(checkIppAttribute({ name: 'media', values: [IppValues.name('Custom tray paper')] })).to.equal(
      undefined,
    );
    expect(checkIppAttribute({ name: 'time-at-completed', values: [IppValues.noValue()] })).to.equal(
      undefined,
    );
    expect(
      checkIppAttribute({ name: 'vendor-thing', values: [IppValues.octetString(Buffer.alloc(1))] }),
    ).to.equal(undefined);
  });

  it('reports wrong syntax, a second value where one is allowed, and values out of range', () => {
    expect(checkIppAttribute({ name: 'job-id', values: [IppValues.keyword('7')] })).to.deep.include({
      reason: 'syntax',
    });
    expect(checkIppAttribute({ name: 'job-id', values: [IppValues.keyword('7')] })?.message).to.match(
      /"job-id" has value tag 0x44, expected integer/,
    );
    expect(
      checkIppAttribute({ name: 'copies', values: [IppValues.integer(1), IppValues.integer(2)] })?.reason,
    ).to.equal('cardinality');
    expect(checkIppAttribute({ name: 'copies', values: [IppValues.integer(0)] })?.message).to.match(
      /outside 1-2147483647/,
    );
    expect(checkIppAttribute({ name: 'job-priority', values: [IppValues.integer(101)] })?.reason).to.equal(
      'value',
    );
    expect(checkIppAttribute({ name: 'media', values: [IppValues.noValue()] })?.reason).to.equal('syntax');
  });

  it('reports unregistered keywords and enums, and over-long strings', () => {
    expect(
      checkIppAttribute({ name: 'sides', values: [IppValues.keyword('three-sided')] })?.message,
    ).to.match(/"three-sided" is not a registered keyword/);
    expect(checkIppAttribute({ name: 'print-quality', values: [IppValues.enum(6)] })?.reason).to.equal(
      'value',
    );
    expect(
      checkIppAttribute({ name: 'job-name', values: [IppValues.name('n'.repeat(256))] })?.message,
    ).to.match(/longer than 255 octets/);
    expect(checkIppAttribute({ name: 'job-hold-until', values: [IppValues.name('23:00')] })).to.equal(
      undefined,
    );
  });
});
