/**
 * Unit tests of the action dispatcher's choices, without any network: which actions an episode change reaches
 * (event, printer group, open or also close) and the per-action rate limit on an injected clock. With no SMTP
 * server set, every email delivery fails saying so, and each attempt is recorded on its action, which is what
 * these tests count.
 */
import { expect } from 'chai';
import { type PrinterObservation } from '../monitoring/printer-reading';
import { type PrinterEntity } from '../printer.entity';
import { PrinterEventActionEntity } from './printer-event-action.entity';
import { type DeliveryOutcome } from './printer-event-action.service';
import { PrinterEventDispatcher } from './printer-event-dispatcher';
import { PrinterEventEntity } from './printer-event.entity';
import { type EpisodeChange, type EpisodeTransition } from './printer-event-evaluator';

const DEFINITION = '01900000-0000-7000-8000-000000000001';
const OTHER_DEFINITION = '01900000-0000-7000-8000-000000000002';

function action(id: string, overrides: Partial<PrinterEventActionEntity> = {}): PrinterEventActionEntity {
  return Object.assign(new PrinterEventActionEntity(), {
    id,
    name: id,
    enabled: true,
    definitionIds: [DEFINITION],
    printerGroups: [],
    kind: 'email',
    recipients: ['ops@example.org'],
    subject: '%EVENT.NAME%',
    body: '%EVENT.MESSAGE%',
    url: null,
    secret: null,
    notifyOn: 'open',
    minIntervalMinutes: 60,
    ...overrides,
  });
}

function change(
  transition: EpisodeTransition,
  subject = '1.1',
  group: string | null = 'floor-2',
): EpisodeChange {
  const printer = { id: 'p1', name: 'Floor2', group, uri: 'socket://10.0.0.5', contact: '' } as PrinterEntity;
  const episode = Object.assign(new PrinterEventEntity(), {
    id: `e-${subject}`,
    definitionId: DEFINITION,
    eventName: 'Toner low',
    type: 'toner-low',
    subject,
    openedAt: new Date(0),
    closedAt: transition === 'open' ? null : new Date(0),
    message: 'Black Toner at 7%',
    details: {},
  });
  const observation = { printerId: 'p1', at: new Date(0), reading: null } as unknown as PrinterObservation;
  return { transition, episode, printer, observation };
}

describe('printer event dispatcher', () => {
  let clock: number;
  let recorded: Array<{ id: string; outcome: DeliveryOutcome }>;

  function dispatcherFor(actions: PrinterEventActionEntity[]) {
    return new PrinterEventDispatcher({
      actions: {
        listEnabled: async () => actions,
        get: async (id) => actions.find((a) => a.id === id)!,
        recordOutcome: async (id, outcome) => {
          recorded.push({ id, outcome });
        },
      },
      smtp: { smtp: async () => null },
      now: () => new Date(clock),
    });
  }

  beforeEach(() => {
    clock = Date.parse('2025-03-01T10:00:00Z');
    recorded = [];
  });

  it('reaches actions of the event and the printer group, and closes only for open-and-close', async () => {
    const dispatcher = dispatcherFor([
      action('all'),
      action('floor-2', { printerGroups: ['floor-2'] }),
      action('floor-3', { printerGroups: ['floor-3'] }),
      action('other-event', { definitionIds: [OTHER_DEFINITION] }),
      action('both', { notifyOn: 'open-and-close' }),
    ]);
    dispatcher.dispatch([change('open')]);
    await dispatcher.idle();
    expect(recorded.map((r) => r.id).sort()).to.deep.equal(['all', 'both', 'floor-2']);
    expect(recorded[0].outcome.sent).to.equal(false);
    expect(recorded[0].outcome.error).to.match(/no SMTP server is set/);

    recorded = [];
    dispatcher.dispatch([change('close')]);
    await dispatcher.idle();
    expect(recorded.map((r) => r.id)).to.deep.equal(['both']);
  });

  it('sends once per interval per printer, event, subject and transition', async () => {
    const dispatcher = dispatcherFor([action('limited', { minIntervalMinutes: 60 })]);
    dispatcher.dispatch([change('open')]);
    dispatcher.dispatch([change('open')]);
    await dispatcher.idle();
    expect(recorded).to.have.length(1);

    dispatcher.dispatch([change('open', '1.2')]);
    await dispatcher.idle();
    expect(recorded).to.have.length(2);

    clock += 59 * 60_000;
    dispatcher.dispatch([change('open')]);
    await dispatcher.idle();
    expect(recorded).to.have.length(2);

    clock += 60_000;
    dispatcher.dispatch([change('open')]);
    await dispatcher.idle();
    expect(recorded).to.have.length(3);
  });

  it('limits milestones per event, not per milestone, and lets everything through at interval 0', async () => {
    const limited = dispatcherFor([action('milestones')]);
    const milestone = (value: number) => {
      const c = change('instant', String(value));
      c.episode.type = 'counter-milestone';
      return c;
    };
    limited.dispatch([milestone(1000)]);
    limited.dispatch([milestone(2000)]);
    await limited.idle();
    expect(recorded).to.have.length(1);

    recorded = [];
    const open = dispatcherFor([action('unlimited', { minIntervalMinutes: 0 })]);
    open.dispatch([change('open'), change('open')]);
    await open.idle();
    expect(recorded).to.have.length(2);
  });

  it('takes no changes once closed', async () => {
    const dispatcher = dispatcherFor([action('all')]);
    await dispatcher.close();
    dispatcher.dispatch([change('open')]);
    await dispatcher.idle();
    expect(recorded).to.have.length(0);
  });
});
