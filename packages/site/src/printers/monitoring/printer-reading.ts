/**
 * What one SNMP read of a printer yields, and what monitoring makes of it: the contract between the SNMP layer
 * (`printers/snmp/`), which fills a PrinterReading, the monitor (`printers/monitoring/`), which stores
 * observations, and the event evaluator (`printers/events/`), which opens and closes episodes from them.
 * Everything here is plain data, so each side can be tested without the others.
 */

/** The monitored state of a printer, as the console shows it. */
export type PrinterStatus = 'idle' | 'printing' | 'warning' | 'error' | 'offline' | 'not monitored';

/**
 * Why a printer is in `warning`, `error` or `offline`. The first seven are the reasons; the others are
 * the rest of hrPrinterDetectedErrorState's bits, so no condition the device reports is dropped.
 */
export type PrinterStatusReason =
  | 'jam'
  | 'out-of-paper'
  | 'toner-low'
  | 'toner-empty'
  | 'cover-open'
  | 'service-requested'
  | 'offline'
  | 'low-paper'
  | 'input-tray-missing'
  | 'output-tray-missing'
  | 'output-full'
  | 'output-near-full'
  | 'marker-supply-missing'
  | 'overdue-maintenance';

/** One marker supply (prtMarkerSuppliesTable row) with its colorant. */
export interface SupplyReading {
  /** The row's index suffix, `hrDeviceIndex.prtMarkerSuppliesIndex` (e.g. `1.1`): stable across reads. */
  index: string;
  description: string;
  /** prtMarkerSuppliesType by name: `toner`, `ink`, `opc`, `wasteToner`, `fuser`, `other`, ... */
  type: string;
  /** prtMarkerColorantValue (`black`, `cyan`, `magenta`, `yellow`, ...), or null when the supply has none. */
  colorant: string | null;
  /** prtMarkerSuppliesLevel as read; negative values are the MIB's "other", "unknown", "some remaining". */
  level: number;
  /** prtMarkerSuppliesMaxCapacity as read (-1 other, -2 unknown). */
  max: number;
  /** The level as a whole percentage of max, or null when the device does not say (any negative value). */
  levelPercent: number | null;
}

/** One input tray (prtInputTable row). */
export interface TrayReading {
  index: string;
  name: string;
  /** prtInputMediaName, or the media size when the device gives no name. */
  media: string;
  level: number;
  max: number;
  /** As for supplies: null when level or max is not a count. */
  levelPercent: number | null;
}

/** One row of prtAlertTable. */
export interface AlertReading {
  index: string;
  /** prtAlertSeverityLevel by name: `other`, `critical`, `warning`, `warningBinaryChangeEvent`. */
  severity: string;
  trainingLevel: number;
  /** prtAlertGroup, prtAlertGroupIndex and prtAlertLocation as numbers. */
  group: number;
  groupIndex: number;
  location: number;
  /** prtAlertCode as a number (e.g. 8 = jammed, 1101 = markerTonerEmpty) and by name. */
  code: number;
  codeName: string;
  description: string;
}

/** Page counters; null where the device has none. */
export interface PrinterCounters {
  /** prtMarkerLifeCount of the first marker (impressions), the counter every printer has. */
  total: number | null;
  mono: number | null;
  color: number | null;
}

/** Everything one SNMP read of a printer returned. */
export interface PrinterReading {
  sysDescr: string;
  sysName: string;
  sysLocation: string;
  sysContact: string;
  /** hrDeviceDescr of the printer device, else sysDescr. */
  model: string;
  /** ifPhysAddress of the first interface that has one, as `aa:bb:cc:dd:ee:ff`. */
  mac: string | null;
  serial: string | null;
  /** hrDeviceStatus (1 unknown, 2 running, 3 warning, 4 testing, 5 down), null when absent. */
  deviceStatus: number | null;
  /** hrPrinterStatus (1 other, 2 unknown, 3 idle, 4 printing, 5 warmup), null when absent. */
  printerStatus: number | null;
  /** hrPrinterDetectedErrorState's set bits by name (`lowPaper`, `noToner`, `doorOpen`, `jammed`, ...). */
  errorState: string[];
  counters: PrinterCounters;
  supplies: SupplyReading[];
  trays: TrayReading[];
  alerts: AlertReading[];
  /** True when the device has more than one colorant, or one that is not black. */
  colorCapable: boolean;
}

/** The result of one poll: the reading (null when the printer did not answer) and the state derived from it. */
export interface PrinterObservation {
  printerId: string;
  at: Date;
  reading: PrinterReading | null;
  status: PrinterStatus;
  reasons: PrinterStatusReason[];
  /** Why there is no reading (`timeout after 2 retries`, `authentication failed`, ...). */
  error: string | null;
}
