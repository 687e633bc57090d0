/**
 * JSON views of monitored state for the REST API. Supplies, trays, counters and alerts are the last the printer
 * answered with, also while it is offline (`answeredAt` tells how old they are); a printer not polled yet has
 * `status: null` and empty lists.
 */
import {
  type AlertReading,
  type PrinterCounters,
  type SupplyReading,
  type TrayReading,
} from './printer-reading';
import { type PrinterCounterSnapshotEntity } from './printer-status.entity';
import { type StoredPrinterState } from './printer-status.repository';

function iso(at: Date | null | undefined): string | null {
  return at ? at.toISOString() : null;
}

/** A supply with its level as read and as a percentage (null when the device does not say). */
export function supplyJson(supply: SupplyReading) {
  return {
    index: supply.index,
    description: supply.description,
    type: supply.type,
    colorant: supply.colorant,
    levelPercent: supply.levelPercent,
    level: supply.level,
    max: supply.max,
  };
}

/** An input tray. */
export function trayJson(tray: TrayReading) {
  return {
    index: tray.index,
    name: tray.name,
    media: tray.media,
    levelPercent: tray.levelPercent,
    level: tray.level,
    max: tray.max,
  };
}

/** An alert of the printer's alert table. */
export function alertJson(alert: AlertReading) {
  return {
    index: alert.index,
    severity: alert.severity,
    code: alert.code,
    codeName: alert.codeName,
    description: alert.description,
    group: alert.group,
    groupIndex: alert.groupIndex,
    location: alert.location,
    trainingLevel: alert.trainingLevel,
  };
}

/** `{total, mono?, color?}`: the colour split only where the device counts it. */
export function countersJson(counters: PrinterCounters | null | undefined) {
  return {
    total: counters?.total ?? null,
    ...(counters && counters.mono !== null ? { mono: counters.mono } : {}),
    ...(counters && counters.color !== null ? { color: counters.color } : {}),
  };
}

/** The monitoring fields of a printer in `/api/v1/printers` and `/api/v1/printers/{id}`. */
export function printerMonitoringJson(state: StoredPrinterState | undefined) {
  const reading = state?.lastReading ?? null;
  return {
    status: state?.observation.status ?? null,
    statusReasons: state?.observation.reasons ?? [],
    statusError: state?.observation.error ?? null,
    statusSince: iso(state?.statusSince),
    polledAt: iso(state?.observation.at),
    answeredAt: iso(state?.answeredAt),
    supplies: (reading?.supplies ?? []).map(supplyJson),
    trays: (reading?.trays ?? []).map(trayJson),
    counters: countersJson(reading?.counters),
    alerts: (reading?.alerts ?? []).map(alertJson),
  };
}

/** A printer's status in detail (`/status`, and the answer to a poll). */
export function printerStatusJson(printerId: string, state: StoredPrinterState | undefined) {
  const reading = state?.lastReading ?? null;
  return {
    printerId,
    status: state?.observation.status ?? null,
    reasons: state?.observation.reasons ?? [],
    error: state?.observation.error ?? null,
    statusSince: iso(state?.statusSince),
    polledAt: iso(state?.observation.at),
    answeredAt: iso(state?.answeredAt),
    device: reading && {
      sysName: reading.sysName,
      sysDescr: reading.sysDescr,
      sysLocation: reading.sysLocation,
      sysContact: reading.sysContact,
      model: reading.model,
      serial: reading.serial,
      mac: reading.mac,
      colorCapable: reading.colorCapable,
      deviceStatus: reading.deviceStatus,
      printerStatus: reading.printerStatus,
      errorState: reading.errorState,
    },
    counters: countersJson(reading?.counters),
    alerts: (reading?.alerts ?? []).map(alertJson),
  };
}

/** One stored counter snapshot. */
export function snapshotJson(snapshot: PrinterCounterSnapshotEntity) {
  return {
    id: snapshot.id,
    takenAt: snapshot.takenAt.toISOString(),
    total: snapshot.total,
    mono: snapshot.mono,
    color: snapshot.color,
  };
}
