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

/**
 * A MAC address in any common spelling (`AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff`, `aa:bb:...`), stored as
 * lower-case colon-separated pairs so that one device always compares equal to itself.
 */
export const macAddressSchema = z
  .string()
  .transform((value) => value.replace(/[^0-9a-fA-F]/g, '').toLowerCase())
  .refine((hex) => hex.length === 12, 'must be a MAC address of 6 bytes, such as 00:1b:a9:12:34:56')
  .transform((hex) => hex.match(/../g)!.join(':'));

/** A host name or IPv4/IPv6 address, without port or scheme. */
export const hostSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address, without scheme or port');

/** A new printer: name and URI are required. */
export const newPrinterSchema = z.strictObject({
  name: printerNameSchema,
  uri: z.string().min(1).max(512),
  location: z.string().max(255).optional(),
  group: z.string().min(1).max(64).nullable().optional(),
  enabled: z.boolean().optional(),
  pageCounter: z.number().int().min(0).optional(),
  counterOffset: z.number().int().optional(),
  configProfileId: z.string().min(1).max(36).nullable().optional(),
  snmpEnabled: z.boolean().optional(),
  snmpHost: hostSchema.nullable().optional(),
  model: z.string().max(255).optional(),
  serial: z.string().min(1).max(128).nullable().optional(),
  mac: macAddressSchema.nullable().optional(),
  colorCapable: z.boolean().nullable().optional(),
  assetNumber: z.string().max(64).optional(),
  contact: z.string().max(255).optional(),
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
