/**
 * Checks the JSON body of one outbox record against the table it lands in, and turns it into that table's row
 * values in the form the driver stores. The shape comes from the entity's TypeORM metadata (property names are
 * the record's field names), so the entity is the single description of each replicated record: a field the
 * site leaves out, a wrong type, an unparseable time or a string longer than its column is refused with a message
 * naming the field, rather than failing (MariaDB strict mode) or being cut short (SQLite) in the database.
 */
import { ErrorCode, QuireError, type SqlValue } from '@quire/common';
import { type DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { type ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** How a body field is checked. */
type FieldKind = 'string' | 'int32' | 'int53' | 'boolean' | 'datetime';

interface FieldCodec {
  field: string;
  kind: FieldKind;
  nullable: boolean;
  /** Longest string the column holds, in characters. */
  maxLength: number;
  column: ColumnMetadata;
}

// A TEXT column holds 65,535 bytes on MariaDB; this many characters fit even at four bytes each.
const TEXT_MAX_CHARS = 16_383;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Why a batch is refused: the site sent something central cannot store. Reported to the site in OutboxAck. */
export class OutboxRefusal extends QuireError {
  constructor(message: string) {
    super(ErrorCode.ValidationFailed, message);
  }
}

function kindOf(column: ColumnMetadata): FieldKind {
  switch (column.type) {
    case 'varchar':
    case 'text':
      return 'string';
    case 'integer':
      return 'int32';
    case 'bigint':
      return 'int53';
    case 'boolean':
      return 'boolean';
    case 'datetime':
      return 'datetime';
    default:
      throw new QuireError(ErrorCode.Internal, `no record codec for column type ${String(column.type)}`);
  }
}

/** What a value of `kind` must be, for refusal messages. */
function expectation(codec: FieldCodec): string {
  const base = {
    string: `a string of at most ${codec.maxLength} characters`,
    int32: 'a whole number that fits 32 bits',
    int53: 'a whole number',
    boolean: 'true or false',
    datetime: 'an ISO 8601 date-time string',
  }[codec.kind];
  return codec.nullable ? `${base} or null` : base;
}

/** The checked value of one field, or undefined when it does not fit. */
function checked(codec: FieldCodec, value: unknown): unknown {
  switch (codec.kind) {
    case 'string':
      return typeof value === 'string' && value.length <= codec.maxLength ? value : undefined;
    case 'int32':
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
        ? value
        : undefined;
    case 'int53':
      return Number.isSafeInteger(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'datetime': {
      if (typeof value !== 'string') return undefined;
      const at = new Date(value);
      return Number.isNaN(at.getTime()) ? undefined : at;
    }
  }
}

/**
 * The record shape of one replicated table: every entity column except the ones central fills itself (the site
 * id, the sequence number), in a fixed order, which is also the column order of the statements built for it.
 */
export class RecordCodec {
  readonly fields: readonly FieldCodec[];

  constructor(
    private readonly dataSource: DataSource,
    target: EntityTarget<ObjectLiteral>,
    centralColumns: readonly string[],
  ) {
    this.fields = dataSource
      .getMetadata(target)
      .columns.filter((column) => !centralColumns.includes(column.propertyName))
      .map((column) => ({
        field: column.propertyName,
        kind: kindOf(column),
        nullable: column.isNullable,
        maxLength: column.type === 'text' ? TEXT_MAX_CHARS : Number(column.length || TEXT_MAX_CHARS),
        column,
      }));
  }

  /** The database column names, in value order. */
  get columnNames(): string[] {
    return this.fields.map((codec) => codec.column.databaseName);
  }

  /**
   * The stored values of `body`, in field order. `where` names the record in refusal messages
   * (`record seq 17 (job)`). Fields the table does not have are ignored, so a newer site may send more.
   */
  values(body: unknown, where: string): SqlValue[] {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new OutboxRefusal(`${where}: the body must be a JSON object`);
    }
    const record = body as Record<string, unknown>;
    const driver = this.dataSource.driver;
    return this.fields.map((codec) => {
      const raw = record[codec.field];
      // A nullable field a site leaves out is null, so central can add one before every site sends it.
      if ((raw === null || raw === undefined) && codec.nullable) return null;
      const value = raw === undefined || raw === null ? undefined : checked(codec, raw);
      if (value === undefined) {
        const got = raw === undefined ? 'it is missing' : `got ${JSON.stringify(raw).slice(0, 60)}`;
        throw new OutboxRefusal(`${where}: field "${codec.field}" must be ${expectation(codec)}; ${got}`);
      }
      return driver.preparePersistentValue(value, codec.column) as SqlValue;
    });
  }
}
