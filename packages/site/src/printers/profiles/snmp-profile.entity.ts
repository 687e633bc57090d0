/**
 * An SNMP profile: how to talk to printers over SNMP (version, community or SNMPv3 user, port, timeout, retries).
 * Printers get one through their configuration profile, or the default profile when that names none. Exactly
 * one profile is the default. Communities and USM keys are stored as given because the agent needs them
 * verbatim (v3 keys are passphrases localised per agent engine); they are never returned by the API or logged.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { type SnmpAuthProtocol, type SnmpPrivProtocol, type SnmpVersion } from '../snmp/snmp-settings';

@Entity({ name: 'snmp_profiles' })
export class SnmpProfileEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  /** The lower-cased name, unique: profile names are unique regardless of case. */
  @Index('uq_snmp_profiles_name_key', { unique: true })
  @Column({ name: 'name_key', type: 'varchar', length: 127 })
  nameKey!: string;

  @Column({ type: 'varchar', length: 2 })
  version!: SnmpVersion;

  /** The read community (v1/v2c); '' for v3. */
  @Column({ type: 'varchar', length: 255 })
  community!: string;

  /** The write community (v1/v2c), kept for device configuration; polling never writes. */
  @Column({ name: 'write_community', type: 'varchar', length: 255, nullable: true })
  writeCommunity!: string | null;

  @Column({ type: 'integer' })
  port!: number;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs!: number;

  @Column({ type: 'integer' })
  retries!: number;

  @Column({ name: 'v3_user', type: 'varchar', length: 64, nullable: true })
  v3User!: string | null;

  @Column({ name: 'v3_auth_protocol', type: 'varchar', length: 8, nullable: true })
  v3AuthProtocol!: SnmpAuthProtocol | null;

  @Column({ name: 'v3_auth_key', type: 'varchar', length: 255, nullable: true })
  v3AuthKey!: string | null;

  @Column({ name: 'v3_priv_protocol', type: 'varchar', length: 8, nullable: true })
  v3PrivProtocol!: SnmpPrivProtocol | null;

  @Column({ name: 'v3_priv_key', type: 'varchar', length: 255, nullable: true })
  v3PrivKey!: string | null;

  @Column({ name: 'v3_context', type: 'varchar', length: 64, nullable: true })
  v3Context!: string | null;

  @Column({ name: 'is_default', type: 'boolean' })
  isDefault!: boolean;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
