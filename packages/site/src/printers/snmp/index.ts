/** SNMP access to printers: sessions, the Printer MIB, reading and identifying devices, and deriving status. */
export * from './snmp-settings';
export * from './snmp-session';
export * from './printer-mib';
export * from './printer-reader';
export * from './printer-status';
export { type RawPrinterData, decodeReading } from './printer-reading-decode';
