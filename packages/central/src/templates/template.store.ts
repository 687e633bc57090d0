/**
 * The configuration templates on central: creating, changing and deleting them (checked per type, names unique
 * per type regardless of case), and the reads federation needs ("changed since version V", every live one).
 *
 * Each write takes the version counter's row first: that row lock orders concurrent writers, so a version is
 * never visible before a smaller one, and the name check that follows sees every earlier commit. The write then
 * stamps its template with the new version. Deletion keeps a tombstone stamped the same way, so sites learn of
 * it through the same "version > V" read. `changed` is emitted once the transaction that wrote commits (never
 * for one rolled back), so the template publisher wakes as soon as sites can read the change.
 */
import { EventEmitter } from 'node:events';
import { IsNull, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  afterCommit,
  checkInput,
  ErrorCode,
  isUniqueViolation,
  newId,
  QuireError,
  withinTransaction,
} from '@quire/common';
import {
  ConfigTemplateEntity,
  ConfigTemplateVersionEntity,
  TEMPLATE_VERSION_ROW,
} from './config-template.entity';
import {
  newTemplateSchema,
  templateChangesSchema,
  type NewTemplate,
  type TemplateChanges,
  type TemplateType,
} from './template-settings';

/** Construction options of TemplateStore. */
export interface TemplateStoreOptions {
  dataSource: DataSource;
  now?: () => Date;
}

type TemplateStoreEvents = { changed: [] };

/**
 * `template` as TypeORM's insert and update take it. Their deep-partial type cannot express a JSON object of
 * unknown values (`settings`), which the column's transformer writes as text.
 */
function row(template: Partial<ConfigTemplateEntity>): QueryDeepPartialEntity<ConfigTemplateEntity> {
  return template as QueryDeepPartialEntity<ConfigTemplateEntity>;
}

/** Templates, their checks and their version; see the file comment. */
export class TemplateStore extends EventEmitter<TemplateStoreEvents> {
  private readonly dataSource: DataSource;
  private readonly now: () => Date;

  constructor(options: TemplateStoreOptions) {
    super();
    this.dataSource = options.dataSource;
    this.now = options.now ?? (() => new Date());
  }

  /** Live templates, by type and name; only those of `type` when given. */
  list(type?: TemplateType): Promise<ConfigTemplateEntity[]> {
    return this.dataSource.manager.find(ConfigTemplateEntity, {
      where: { deletedAt: IsNull(), ...(type ? { type } : {}) },
      order: { type: 'ASC', nameKey: 'ASC' },
    });
  }

  /** A live template, or NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<ConfigTemplateEntity> {
    const template = await (manager ?? this.dataSource.manager).findOneBy(ConfigTemplateEntity, {
      id,
      deletedAt: IsNull(),
    });
    if (!template) throw new QuireError(ErrorCode.NotFound, `No template with id ${id}`);
    return template;
  }

  /** Create a template; VALIDATION_FAILED names each bad field, CONFLICT when the name is taken for its type. */
  async create(input: NewTemplate, manager?: EntityManager): Promise<ConfigTemplateEntity> {
    const checked = checkInput(newTemplateSchema, input, 'Template is invalid', '(template)');
    return this.write(manager, async (tx, version) => {
      await this.assertNameFree(tx, checked.type, checked.name, null);
      const now = this.now();
      const template: ConfigTemplateEntity = {
        id: newId(),
        type: checked.type,
        name: checked.name,
        nameKey: checked.name.toLowerCase(),
        settings: checked.settings,
        overridable: checked.overridable ?? [],
        version,
        deletedAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await this.conflictOnDuplicate(template, () => tx.insert(ConfigTemplateEntity, row(template)));
      return template;
    });
  }

  /**
   * Change a live template: each field given replaces the stored one whole. NOT_FOUND, VALIDATION_FAILED (checked
   * against the template's type) and CONFLICT as for `create`.
   */
  async update(id: string, changes: TemplateChanges, manager?: EntityManager): Promise<ConfigTemplateEntity> {
    return this.write(manager, async (tx, version) => {
      const current = await this.get(id, tx);
      const what = `${current.type} template is invalid`;
      const checked = checkInput(templateChangesSchema(current.type), changes, what, '(template)');
      if (checked.name !== undefined) await this.assertNameFree(tx, current.type, checked.name, id);
      const updated: ConfigTemplateEntity = {
        ...current,
        name: checked.name ?? current.name,
        nameKey: (checked.name ?? current.name).toLowerCase(),
        settings: checked.settings ?? current.settings,
        overridable: checked.overridable ?? current.overridable,
        version,
        updatedAt: this.now(),
      };
      const { id: _id, createdAt: _created, ...columns } = updated;
      await this.conflictOnDuplicate(updated, () => tx.update(ConfigTemplateEntity, { id }, row(columns)));
      return updated;
    });
  }

  /** Delete a live template, leaving a tombstone at a new version; NOT_FOUND when there is none. */
  async remove(id: string, manager?: EntityManager): Promise<ConfigTemplateEntity> {
    return this.write(manager, async (tx, version) => {
      const current = await this.get(id, tx);
      const now = this.now();
      await tx.update(
        ConfigTemplateEntity,
        { id },
        { nameKey: null, version, deletedAt: now, updatedAt: now },
      );
      return { ...current, nameKey: null, version, deletedAt: now, updatedAt: now };
    });
  }

  /** The version of the last template write (0 before the first). */
  async currentVersion(manager?: EntityManager): Promise<number> {
    const row = await (manager ?? this.dataSource.manager).findOneBy(ConfigTemplateVersionEntity, {
      id: TEMPLATE_VERSION_ROW,
    });
    return row?.value ?? 0;
  }

  /** Templates (tombstones included) written after `since`, oldest first, at most `limit`. */
  changedSince(since: number, limit: number, manager: EntityManager): Promise<ConfigTemplateEntity[]> {
    return manager.find(ConfigTemplateEntity, {
      where: { version: MoreThan(since) },
      order: { version: 'ASC' },
      take: limit,
    });
  }

  /** How many templates (tombstones included) were written after `since`. */
  countChangedSince(since: number, manager: EntityManager): Promise<number> {
    return manager.count(ConfigTemplateEntity, { where: { version: MoreThan(since) } });
  }

  /** Every live template. */
  live(manager: EntityManager): Promise<ConfigTemplateEntity[]> {
    return manager.find(ConfigTemplateEntity, { where: { deletedAt: IsNull() }, order: { version: 'ASC' } });
  }

  /** Run one write in `manager`'s transaction (or a new one) with the next version; `changed` follows the commit. */
  private write<T>(
    manager: EntityManager | undefined,
    fn: (tx: EntityManager, version: number) => Promise<T>,
  ): Promise<T> {
    return withinTransaction(this.dataSource, manager, async (tx) => {
      const version = await this.nextVersion(tx);
      const result = await fn(tx, version);
      afterCommit(this.dataSource, tx, () => this.emit('changed'), 'templates.changed');
      return result;
    });
  }

  private async nextVersion(tx: EntityManager): Promise<number> {
    await tx.increment(ConfigTemplateVersionEntity, { id: TEMPLATE_VERSION_ROW }, 'value', 1);
    const row = await tx.findOneBy(ConfigTemplateVersionEntity, { id: TEMPLATE_VERSION_ROW });
    if (!row)
      throw new QuireError(ErrorCode.Internal, 'The template version row is missing; run the migrations');
    return row.value;
  }

  private async assertNameFree(
    tx: EntityManager,
    type: TemplateType,
    name: string,
    exceptId: string | null,
  ): Promise<void> {
    const holder = await tx.findOneBy(ConfigTemplateEntity, { type, nameKey: name.toLowerCase() });
    if (holder && holder.id !== exceptId) throw this.nameTaken(type, holder.name);
  }

  private async conflictOnDuplicate<T>(template: ConfigTemplateEntity, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw this.nameTaken(template.type, template.name);
      throw err;
    }
  }

  private nameTaken(type: TemplateType, name: string): QuireError {
    return new QuireError(
      ErrorCode.Conflict,
      `A ${type} template named "${name}" already exists (names are compared without regard to case)`,
      { details: { field: 'name' } },
    );
  }
}
