/**
 * What a printer may be created or changed with, as zod schemas shared by the REST API and PrinterService.
 * Unknown fields are refused, so a misspelt setting is an error rather than a silent no-op. The URI is checked
 * here only for shape; PrinterService parses it with the output drivers' own parser, so what is accepted is
 * exactly what a release can use.
 */
import { z } from 'zod';
import { checkedInput } from '../queues/queue-input';

/** Printer names follow queue names' rules (printable ASCII, no spaces), for the same URL and log reasons. */
export const printerNameSchema = z
  .string()
  .min(1)
  .max(127)
  .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces');

/** A new printer: name and URI are required. */
export const newPrinterSchema = z.strictObject({
  name: printerNameSchema,
  uri: z.string().min(1).max(512),
  location: z.string().max(255).optional(),
  group: z.string().min(1).max(64).nullable().optional(),
  enabled: z.boolean().optional(),
  pageCounter: z.number().int().min(0).optional(),
  counterOffset: z.number().int().optional(),
});

/** A change to some settings of a printer. */
export const printerPatchSchema = newPrinterSchema.partial();

/** The settings of a new printer. */
export type NewPrinter = z.infer<typeof newPrinterSchema>;

/** A change to a printer. */
export type PrinterPatch = z.infer<typeof printerPatchSchema>;

/** Check new-printer settings; VALIDATION_FAILED names each bad field. */
export function checkNewPrinter(input: NewPrinter): NewPrinter {
  return checkedInput(newPrinterSchema, input, 'Printer');
}

/** Check a printer change; VALIDATION_FAILED names each bad field. */
export function checkPrinterPatch(patch: PrinterPatch): PrinterPatch {
  return checkedInput(printerPatchSchema, patch, 'Printer');
}
