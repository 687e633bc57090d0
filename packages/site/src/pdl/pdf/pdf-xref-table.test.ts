/**
 * The in-memory xref table: newest-wins recording, and the sparse side table that keeps a lone huge object number
 * from allocating the dense arrays up to it.
 */
import { expect } from 'chai';
import { PDF_LIMITS } from './pdf-budget';
import { XrefKind, XrefTable } from './pdf-xref-table';

describe('PDF xref table', () => {
  it('keeps the first entry recorded newest-first, and the last one recorded by a scan', () => {
    const table = new XrefTable();
    table.setIfAbsent(5, XrefKind.Offset, 900, 0);
    table.setIfAbsent(5, XrefKind.Offset, 100, 0);
    expect(table.location(5)).to.equal(900);
    table.set(5, XrefKind.Compressed, 42, 3);
    expect([table.kind(5), table.location(5), table.slot(5)]).to.deep.equal([XrefKind.Compressed, 42, 3]);
    expect(table.kind(6)).to.equal(XrefKind.Missing);
  });

  it('holds far-apart object numbers sparsely and still lists them in order', () => {
    const table = new XrefTable();
    const before = process.memoryUsage().arrayBuffers;
    table.set(7_999_999, XrefKind.Offset, 10, 0);
    table.set(3, XrefKind.Offset, 20, 0);
    table.set(PDF_LIMITS.maxObjectNumber + 1, XrefKind.Offset, 30, 0);
    expect(process.memoryUsage().arrayBuffers - before).to.be.below(1024 * 1024);
    expect([...table.numbers()]).to.deep.equal([3, 7_999_999]);
    expect(table.location(7_999_999)).to.equal(10);
    expect(table.count()).to.equal(2);
    expect(table.dropped).to.equal(1);
  });

  it('grows densely when the entries are dense', () => {
    const table = new XrefTable();
    for (let num = 0; num < 50_000; num += 1) table.set(num, XrefKind.Offset, num * 10, 0);
    expect(table.count()).to.equal(50_000);
    expect(table.location(49_999)).to.equal(499_990);
    expect([...table.numbers()].length).to.equal(50_000);
  });
});
