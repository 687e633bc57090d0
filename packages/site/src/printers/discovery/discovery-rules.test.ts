/** Unit tests of discovery rules: filters by model and colour, and how the actions of several rules merge. */
import { expect } from 'chai';
import {
  actionsFor,
  allRules,
  discoveryRuleSchema,
  filterMatches,
  referencesOf,
  resolveLocation,
  type DiscoveryRule,
} from './discovery-rules';

const MONO = { model: 'HP LaserJet Enterprise M507', colorCapable: false };
const COLOUR = { model: 'KYOCERA TASKalfa 3253ci', colorCapable: true };
const UNKNOWN_COLOUR = { model: 'Generic', colorCapable: null };

describe('discovery rules', () => {
  it('matches models by case-insensitive substring, any of several', () => {
    expect(filterMatches({ models: ['laserjet'] }, MONO)).to.equal(true);
    expect(filterMatches({ models: ['laserjet'] }, COLOUR)).to.equal(false);
    expect(filterMatches({ models: ['M999', 'taskALFA'] }, COLOUR)).to.equal(true);
  });

  it('matches colour and mono; a device that does not say matches neither', () => {
    expect(filterMatches({ color: true }, COLOUR)).to.equal(true);
    expect(filterMatches({ color: true }, MONO)).to.equal(false);
    expect(filterMatches({ color: false }, MONO)).to.equal(true);
    expect(filterMatches({ color: false }, UNKNOWN_COLOUR)).to.equal(false);
    expect(filterMatches({ color: true }, UNKNOWN_COLOUR)).to.equal(false);
  });

  it('needs every condition of a filter; no filter matches everything', () => {
    expect(filterMatches({ models: ['taskalfa'], color: false }, COLOUR)).to.equal(false);
    expect(filterMatches(undefined, UNKNOWN_COLOUR)).to.equal(true);
    expect(filterMatches({}, MONO)).to.equal(true);
  });

  it('merges matching rules: queues add up, the last single value wins, flags hold if any rule sets them', () => {
    const rules = allRules({ addToGroup: 'all', addToQueues: ['Default'], location: '%location%' }, [
      {
        filter: { color: true },
        actions: { addToGroup: 'colour', addToQueues: ['Colour', 'Default'], activate: true },
      },
      { filter: { models: ['laserjet'] }, actions: { configProfileId: 'p-hp', createDirectQueue: true } },
      { filter: { models: ['taskalfa'] }, actions: { location: 'Print room' } },
    ]);
    expect(actionsFor(rules, COLOUR)).to.deep.equal({
      group: 'colour',
      queues: ['Default', 'Colour'],
      createDirectQueue: false,
      configProfileId: null,
      activate: true,
      location: 'Print room',
    });
    expect(actionsFor(rules, MONO)).to.deep.equal({
      group: 'all',
      queues: ['Default'],
      createDirectQueue: true,
      configProfileId: 'p-hp',
      activate: false,
      location: '%location%',
    });
    expect(actionsFor([], MONO).queues).to.deep.equal([]);
  });

  it('resolves %location% to the device sysLocation', () => {
    expect(resolveLocation('%location%', 'Floor 2')).to.equal('Floor 2');
    expect(resolveLocation('Branch A / %LOCATION%', 'Floor 2')).to.equal('Branch A / Floor 2');
    expect(resolveLocation('Print room', 'Floor 2')).to.equal('Print room');
  });

  it('lists the queues and profiles rules refer to, once each', () => {
    const rules: DiscoveryRule[] = [
      { actions: { addToQueues: ['Default', 'Colour'], configProfileId: 'p1' } },
      { filter: { color: true }, actions: { addToQueues: ['Colour'], configProfileId: 'p1' } },
    ];
    expect(referencesOf(rules)).to.deep.equal({ queues: ['Default', 'Colour'], configProfiles: ['p1'] });
  });

  it('refuses unknown fields and an empty model list', () => {
    expect(discoveryRuleSchema.safeParse({ actions: { addToGrup: 'x' } }).success).to.equal(false);
    expect(discoveryRuleSchema.safeParse({ filter: { models: [] }, actions: {} }).success).to.equal(false);
    expect(discoveryRuleSchema.safeParse({ filter: { models: ['hp'] }, actions: {} }).success).to.equal(true);
  });
});
