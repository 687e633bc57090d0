/**
 * Whether discovery may activate the printers it adds. MyQ caps activation by the licence's device count;
 * Quire has no licensing yet, so the default gate allows every activation, and [licensing] plugs its own gate
 * in here (asked inside the transaction that creates the printer, so it can count active printers there).
 */
import { type EntityManager } from 'typeorm';

/** Decides how many of `requested` activations may happen now. */
export interface ActivationGate {
  /** How many of `requested` printers may be activated (0 to `requested`). */
  allow(requested: number, manager?: EntityManager): Promise<number>;
}

/** The gate while there is no licensing: every requested activation is allowed. */
export const ALLOW_ALL_ACTIVATIONS: ActivationGate = {
  allow: (requested) => Promise.resolve(requested),
};
