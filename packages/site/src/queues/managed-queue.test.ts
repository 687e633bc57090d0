/**
 * Unit tests of the rules of template-managed queues: which settings a local change touches, the CONFLICT for a
 * setting central holds, overrides recorded and kept, and what central's next version changes.
 */
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import {
  centralChange,
  changedSettings,
  checkLocalChange,
  lockedSettings,
  type QueueTemplateSettings,
} from './managed-queue';
import { type QueueEntity } from './queue.entity';

const template: QueueTemplateSettings = {
  id: 'tpl-1',
  name: 'Finance',
  settings: { type: 'pull', priority: 5, description: 'central', printers: ['p-1'] },
  overridable: ['description', 'printers'],
};

function managedQueue(overrides: Partial<QueueEntity> = {}): QueueEntity {
  return {
    id: 'q-1',
    name: 'Finance',
    nameKey: 'finance',
    type: 'pull',
    description: 'central',
    online: true,
    rawPort: null,
    unknownOwnerPolicy: 'reject',
    userDetection: [{ kind: 'sender' }],
    detectionCaseSensitive: false,
    printers: ['p-1'],
    printerGroups: [],
    priority: 5,
    keepForReprint: false,
    forceColor: 'keep',
    forceDuplex: 'keep',
    forceTonerSave: 'keep',
    customPjl: [],
    templateId: 'tpl-1',
    templateLocked: lockedSettings(template),
    templateOverridden: [],
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

describe('managed queues', () => {
  it('lock the name and every named setting that is not overridable', () => {
    expect(lockedSettings(template)).to.deep.equal(['name', 'type', 'priority']);
  });

  it('count only settings whose value really changes', () => {
    const queue = managedQueue();
    expect(changedSettings(queue, { priority: 5, printers: ['p-1'], description: 'local' })).to.deep.equal([
      'description',
    ]);
    expect(changedSettings(queue, { userDetection: [{ kind: 'sender' }] })).to.deep.equal([]);
  });

  it('refuse a local change of a setting central holds, naming it', () => {
    const err = (() => {
      try {
        checkLocalChange(managedQueue(), { priority: 9, name: 'Other', description: 'local' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(isQuireError(err, ErrorCode.Conflict)).to.equal(true);
    expect((err as Error).message).to.contain('holds name, priority');
    expect((err as { details: unknown }).details).to.deep.equal({
      fields: ['name', 'priority'],
      templateId: 'tpl-1',
    });
  });

  it('record overridable and unnamed settings a local admin changes, keeping earlier ones', () => {
    const queue = managedQueue({ templateOverridden: ['printers'] });
    expect(checkLocalChange(queue, { description: 'local', online: false, priority: 5 })).to.deep.equal([
      'printers',
      'description',
      'online',
    ]);
  });

  it("apply central's settings except the overridden ones that are still overridable", () => {
    const queue = managedQueue({ description: 'local', templateOverridden: ['description', 'online'] });
    const next = { ...template, settings: { ...template.settings, priority: 7, description: 'central v2' } };
    expect(centralChange(queue, next)).to.deep.equal({
      patch: { name: 'Finance', type: 'pull', priority: 7, printers: ['p-1'] },
      mark: { templateId: 'tpl-1', locked: ['name', 'type', 'priority'], overridden: ['description'] },
    });
    const noLonger = { ...next, overridable: ['printers'] };
    expect(centralChange(queue, noLonger).patch).to.include({ description: 'central v2' });
    expect(centralChange(queue, noLonger).mark.overridden).to.deep.equal([]);
  });

  it('start a queue taken over from a local one, or from another template, with no overrides', () => {
    const local = managedQueue({ templateId: null, templateOverridden: ['description'] });
    expect(centralChange(local, template).mark.overridden).to.deep.equal([]);
    expect(centralChange(local, template).patch).to.include({ description: 'central' });
  });
});
