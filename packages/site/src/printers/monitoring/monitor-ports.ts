/**
 * What the printer monitor is plugged into: the probe that reads a printer (SNMP in production, a fake in
 * tests), the rule that derives a status from a reading, and the observers that act on each stored observation
 * (the event evaluator). Kept apart from the monitor so those sides import only these shapes.
 */
import { type EntityManager } from 'typeorm';
import { type PrinterEntity } from '../printer.entity';
import {
  type PrinterObservation,
  type PrinterReading,
  type PrinterStatus,
  type PrinterStatusReason,
} from './printer-reading';

/**
 * Reads one printer. Resolves null when the printer is not monitored (SNMP off for it, or its profile says so);
 * rejects with QuireError SNMP_TIMEOUT or SNMP_FAILED when the printer does not answer, which the monitor
 * records as `offline`.
 */
export interface PrinterProbe {
  read(printer: PrinterEntity): Promise<PrinterReading | null>;
}

/** Derives the console status and its reasons from a reading (pure). */
export type StatusDeriver = (reading: PrinterReading) => {
  status: PrinterStatus;
  reasons: PrinterStatusReason[];
};

/**
 * Acts on observations. Called inside the transaction that stores an observation (so its own writes commit or
 * roll back with it): whenever the observation differs from the last stored one, and at the periodic refresh of
 * an unchanged one. `previous` is the printer's observation before this one, null for its first. `lastReading`
 * is the printer's last answer before this observation: previous's reading when it had one, else the one before
 * (an offline printer's last counters); null when it never answered. Left out, it is previous's reading.
 */
export interface PrinterObserver {
  observe(
    printer: PrinterEntity,
    now: PrinterObservation,
    previous: PrinterObservation | null,
    manager: EntityManager,
    lastReading?: PrinterReading | null,
  ): Promise<void>;
}
