/**
 * Unit tests of the monitor's storage rules: which differences make a write, how observations fold into the
 * stored state (an offline printer keeps its last reading; the status clock restarts only on a new status),
 * and when a counter snapshot is due.
 */
import { expect } from 'chai';
import { fingerprintOf, foldObservation, snapshotDue } from './monitor-policy';
import { type PrinterObservation, type PrinterReading } from './printer-reading';

const MINUTE = 60_000;

function reading(overrides: Partial<PrinterReading> = {}): PrinterReading {
  return {
    sysDescr: 'HP LaserJet M507',
    sysName: 'lj-1',
    sysLocation: 'Floor 2',
    sysContact: 'it@example.org',
    model: 'HP LaserJet M507',
    mac: 'aa:bb:cc:dd:ee:01',
    serial: 'SN1',
    deviceStatus: 2,
    printerStatus: 3,
    errorState: [],
    counters: { total: 1000, mono: null, color: null },
    supplies: [
      {
        index: '1.1',
        description: 'Black Toner',
        type: 'toner',
        colorant: 'black',
        level: 40,
        max: 100,
        levelPercent: 40,
      },
    ],
    trays: [{ index: '1.1', name: 'Tray 1', media: 'iso_a4', level: 250, max: 500, levelPercent: 50 }],
    alerts: [],
    colorCapable: false,
    ...overrides,
  };
}

function observation(at: number, overrides: Partial<PrinterObservation> = {}): PrinterObservation {
  return {
    printerId: 'p1',
    at: new Date(at),
    reading: reading(),
    status: 'idle',
    reasons: [],
    error: null,
    ...overrides,
  };
}

describe('monitor policy', () => {
  describe('fingerprintOf', () => {
    it('ignores the poll time and the reasons order, and what no one acts on (printer status code)', () => {
      const base = fingerprintOf(observation(0, { reasons: ['jam', 'cover-open'], status: 'error' }));
      expect(
        fingerprintOf(observation(5 * MINUTE, { reasons: ['cover-open', 'jam'], status: 'error' })),
      ).to.equal(base);
      const warmingUp = observation(0, {
        reading: reading({ printerStatus: 5 }),
        reasons: ['jam', 'cover-open'],
      });
      expect(fingerprintOf({ ...warmingUp, status: 'error' })).to.equal(base);
    });

    it('changes with a supply or tray level, a counter, an alert, the status or the error', () => {
      const base = fingerprintOf(observation(0));
      const supply = { ...reading().supplies[0], level: 39, levelPercent: 39 };
      const changed = [
        observation(0, { reading: reading({ supplies: [supply] }) }),
        observation(0, { reading: reading({ trays: [{ ...reading().trays[0], level: 249 }] }) }),
        observation(0, { reading: reading({ counters: { total: 1001, mono: null, color: null } }) }),
        observation(0, {
          reading: reading({
            alerts: [
              {
                index: '1',
                severity: 'warning',
                trainingLevel: 3,
                group: 5,
                groupIndex: 1,
                location: 0,
                code: 8,
                codeName: 'jam',
                description: 'Paper jam',
              },
            ],
          }),
        }),
        observation(0, { status: 'printing' }),
        observation(0, { reading: null, status: 'offline', reasons: ['offline'], error: 'timeout' }),
      ];
      const prints = changed.map(fingerprintOf);
      expect(new Set([base, ...prints]).size).to.equal(changed.length + 1);
      expect(
        fingerprintOf(
          observation(0, { reading: null, status: 'offline', reasons: ['offline'], error: 'auth' }),
        ),
      ).to.not.equal(prints[5]);
    });
  });

  describe('foldObservation', () => {
    it('keeps the last reading and answer time while offline, and restarts the status clock on a new status', () => {
      const first = foldObservation(null, observation(0));
      expect(first.statusSince.getTime()).to.equal(0);
      expect(first.answeredAt?.getTime()).to.equal(0);

      const stillIdle = foldObservation(first, observation(MINUTE));
      expect(stillIdle.statusSince.getTime()).to.equal(0);
      expect(stillIdle.answeredAt?.getTime()).to.equal(MINUTE);

      const offline = foldObservation(
        stillIdle,
        observation(2 * MINUTE, { reading: null, status: 'offline', reasons: ['offline'], error: 'timeout' }),
      );
      expect(offline.statusSince.getTime()).to.equal(2 * MINUTE);
      expect(offline.answeredAt?.getTime()).to.equal(MINUTE);
      expect(offline.lastReading?.supplies[0].levelPercent).to.equal(40);
      expect(offline.observation.reading).to.equal(null);
    });
  });

  describe('snapshotDue', () => {
    const counters = { total: 1000, mono: 700, color: 300 };
    const mark = { atMs: 0, ...counters };

    it('takes the first snapshot at once and never one without a counter', () => {
      expect(snapshotDue(null, counters, 0, 15 * MINUTE)).to.equal(true);
      expect(snapshotDue(null, { total: null, mono: null, color: null }, 0, 15 * MINUTE)).to.equal(false);
    });

    it('takes one when a counter moved and the minimum interval passed, not before', () => {
      const moved = { ...counters, color: 301 };
      expect(snapshotDue(mark, moved, 14 * MINUTE, 15 * MINUTE)).to.equal(false);
      expect(snapshotDue(mark, moved, 15 * MINUTE, 15 * MINUTE)).to.equal(true);
      expect(snapshotDue(mark, counters, 60 * MINUTE, 15 * MINUTE)).to.equal(false);
    });

    it('takes one a day even when nothing moved', () => {
      expect(snapshotDue(mark, counters, 24 * 60 * MINUTE - 1, 15 * MINUTE)).to.equal(false);
      expect(snapshotDue(mark, counters, 24 * 60 * MINUTE, 15 * MINUTE)).to.equal(true);
    });
  });
});
