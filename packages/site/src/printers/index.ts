/** The printers capability: the registry releases print to. */
export * from './printer.entity';
export * from './printer.repository';
export * from './printer.service';
export * from './printer-input';
export * from './printers.routes';
