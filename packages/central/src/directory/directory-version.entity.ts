/** The directory's version counter: one row, bumped in the transaction of every change (its row lock orders them). */
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The id of the single counter row. */
export const DIRECTORY_VERSION_ROW = 'directory';

@Entity({ name: 'directory_version' })
export class DirectoryVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id!: string;

  @Column({ type: 'integer' })
  value!: number;
}
