/**
 * The production PrinterProbe: a printer's SNMP settings come from its configuration profile (or the default
 * SNMP profile), its address from `snmpHost` or the host of its URI, and the read is printers/snmp's
 * `readPrinter`. Kept out of both the monitor and the SNMP layer so that neither imports the other.
 */
import { type PrinterProbe } from './monitoring/monitor-ports';
import { type PrinterReading } from './monitoring/printer-reading';
import { type PrinterEntity } from './printer.entity';
import { type SnmpProfileService } from './profiles/snmp-profile.service';
import { readPrinter } from './snmp/printer-reader';
import { snmpTargetOf, type SnmpTarget } from './snmp/snmp-settings';

/**
 * A probe that reads each printer over SNMP with its profile's settings, or resolves null (not monitored) for a
 * printer whose SNMP is off. `read` is replaceable for tests.
 */
export function snmpPrinterProbe(
  profiles: SnmpProfileService,
  read: (target: SnmpTarget) => Promise<PrinterReading> = readPrinter,
): PrinterProbe {
  return {
    async read(printer: PrinterEntity): Promise<PrinterReading | null> {
      const settings = await profiles.settingsFor(printer);
      return settings ? read(snmpTargetOf(printer, settings)) : null;
    },
  };
}
