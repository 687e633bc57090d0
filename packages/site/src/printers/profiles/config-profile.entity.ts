/**
 * A printer configuration profile (MyQ's per-model template): the SNMP profile its printers are polled with
 * (null: the default SNMP profile), the price list, the device administrator credentials used to configure
 * them, and whether they have a fax module. The admin password is stored as given, since it is sent to devices;
 * the API only says whether one is set.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';

@Entity({ name: 'printer_config_profiles' })
export class ConfigProfileEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  /** The lower-cased name, unique. */
  @Index('uq_printer_config_profiles_name_key', { unique: true })
  @Column({ name: 'name_key', type: 'varchar', length: 127 })
  nameKey!: string;

  @Index('idx_printer_config_profiles_snmp')
  @UuidColumn({ name: 'snmp_profile_id', nullable: true })
  snmpProfileId!: string | null;

  /** A price list of central's configuration templates; not checked here, as sites may not hold it yet. */
  @UuidColumn({ name: 'price_list_id', nullable: true })
  priceListId!: string | null;

  @Column({ name: 'admin_user', type: 'varchar', length: 128, nullable: true })
  adminUser!: string | null;

  @Column({ name: 'admin_password', type: 'varchar', length: 255, nullable: true })
  adminPassword!: string | null;

  /** Printed faxes of these devices are charged to the FAX account. */
  @Column({ name: 'fax_module', type: 'boolean' })
  faxModule!: boolean;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
