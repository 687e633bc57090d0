/** The keep-for-reprint matrix, cell by cell. */
import { expect } from 'chai';
import { keepDocumentAfterPrinting, mayMarkFavourite, mayReprint } from './reprint-policy';

describe('keep-for-reprint matrix', () => {
  const cases = [
    // policy, queue, favourite -> kept, reprintable
    { policyKeeps: true, queueKeeps: true, favourite: false, kept: true, reprint: true },
    { policyKeeps: true, queueKeeps: true, favourite: true, kept: true, reprint: true },
    { policyKeeps: true, queueKeeps: false, favourite: false, kept: false, reprint: false },
    { policyKeeps: true, queueKeeps: false, favourite: true, kept: true, reprint: true },
    { policyKeeps: false, queueKeeps: true, favourite: false, kept: true, reprint: false },
    { policyKeeps: false, queueKeeps: false, favourite: false, kept: false, reprint: false },
  ];
  for (const { kept, reprint, ...settings } of cases) {
    it(`policy ${settings.policyKeeps}, queue ${settings.queueKeeps}, favourite ${settings.favourite}`, () => {
      expect(keepDocumentAfterPrinting(settings)).to.equal(kept);
      expect(mayReprint(settings, kept)).to.equal(reprint);
    });
  }

  it('never reprints a document that is gone, and turning the policy on later allows a kept one', () => {
    expect(mayReprint({ policyKeeps: true, queueKeeps: true, favourite: true }, false)).to.equal(false);
    const keptUnderPolicyOff = keepDocumentAfterPrinting({
      policyKeeps: false,
      queueKeeps: true,
      favourite: false,
    });
    expect(
      mayReprint({ policyKeeps: true, queueKeeps: true, favourite: false }, keptUnderPolicyOff),
    ).to.equal(true);
  });

  it('offers favourites only under the policy', () => {
    expect(mayMarkFavourite(true)).to.equal(true);
    expect(mayMarkFavourite(false)).to.equal(false);
  });
});
