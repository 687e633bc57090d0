/**
 * A printer of this site, as far as releasing jobs needs it: where its output goes (a CUPS-style device URI),
 * whether it takes jobs, and the page counter tandem queues balance on; and what monitoring and discovery know of
 * the device: its configuration profile (which gives the SNMP profile), identity (MAC, serial number, model)
 * and the inventory fields of MyQ's printer CSV. The MAC address is unique: it is how discovery recognises a
 * printer that moved to another address.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';

@Entity({ name: 'printers' })
export class PrinterEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  /** The lower-cased name, unique: printer names are unique regardless of case, as queue names are. */
  @Index('uq_printers_name_key', { unique: true })
  @Column({ name: 'name_key', type: 'varchar', length: 127 })
  nameKey!: string;

  /** `socket://host:9100`, `lpd://host:port/queue`, `ipp://host:port/path` or `ipps://...`. */
  @Column({ type: 'varchar', length: 512 })
  uri!: string;

  @Column({ type: 'varchar', length: 255 })
  location!: string;

  /** The printer group it belongs to, which queues may be assigned instead of single printers. */
  @Column({ name: 'printer_group', type: 'varchar', length: 64, nullable: true })
  group!: string | null;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** Pages printed through this site (SNMP will keep it in step with the device's own counter). */
  @Column({ name: 'page_counter', type: 'integer' })
  pageCounter!: number;

  /** Added to the counter when a tandem queue compares printers, to even out a fleet of mixed ages. */
  @Column({ name: 'counter_offset', type: 'integer' })
  counterOffset!: number;

  /** The configuration profile: the SNMP profile among other per-model settings; null for the default. */
  @Column({ name: 'config_profile_id', type: 'varchar', length: 36, nullable: true })
  configProfileId!: string | null;

  /** False for a printer that has no SNMP agent (or should not be asked): its status is `not monitored`. */
  @Column({ name: 'snmp_enabled', type: 'boolean' })
  snmpEnabled!: boolean;

  /** Where SNMP requests go when not to the URI's host (a print server box in front of the device). */
  @Column({ name: 'snmp_host', type: 'varchar', length: 255, nullable: true })
  snmpHost!: string | null;

  /** The model as the device reports it (hrDeviceDescr or sysDescr), or as an admin typed it. */
  @Column({ type: 'varchar', length: 255 })
  model!: string;

  /** prtGeneralSerialNumber; identifies the device when it has no MAC address to read. */
  @Index('idx_printers_serial')
  @Column({ type: 'varchar', length: 128, nullable: true })
  serial!: string | null;

  /** ifPhysAddress as `aa:bb:cc:dd:ee:ff`; unique, the device's identity. */
  @Index('uq_printers_mac', { unique: true })
  @Column({ type: 'varchar', length: 17, nullable: true })
  mac!: string | null;

  /** Whether the device prints colour (it has more than one colorant); null until read. */
  @Column({ name: 'color_capable', type: 'boolean', nullable: true })
  colorCapable!: boolean | null;

  @Column({ name: 'asset_number', type: 'varchar', length: 64 })
  assetNumber!: string;

  /** Who looks after the device (sysContact, or typed in). */
  @Column({ type: 'varchar', length: 255 })
  contact!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
