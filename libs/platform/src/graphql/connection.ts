import { Type } from '@nestjs/common';
import { Field, ObjectType } from '@nestjs/graphql';
import { AppError } from '../errors/app-error';
import { isUuid, textProblem } from '../validation/text';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field({ description: 'Whether more items follow the last edge.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede the first edge (always false for forward-only pagination).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** A Relay connection type for `node` (`<Name>Connection` with `<Name>Edge`). */
export function ConnectionType<T>(node: Type<T>, name: string): Type<Connection<T>> {
  @ObjectType(`${name}Edge`, { description: `An edge to a ${name}.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor of this edge.' })
    cursor!: string;

    @Field(() => node, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionClass {
    @Field(() => [EdgeType], { description: 'The items of this page.' })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'How to fetch the next page.' })
    pageInfo!: PageInfo;
  }
  return ConnectionClass as Type<Connection<T>>;
}

/** Opaque keyset cursors: base64url of a JSON key, never an offset. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Decodes a cursor this API issued, or fails with BAD_USER_INPUT naming `field`:
 * only the exact encoding encodeCursor produces is accepted, every decoded text must be
 * storable, and `isKey` must accept the key (use the CursorKey checks, which bound every
 * part to what the database column can hold, so a forged cursor never reaches a query).
 */
export function decodeCursor<K>(cursor: string, field: string, isKey: (value: unknown) => value is K): K {
  const refused = () => AppError.badInput(field, 'is not a cursor returned by this API');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (encodeCursor(value) !== cursor || !storable(value) || !isKey(value)) throw refused();
  return value;
}

function storable(value: unknown): boolean {
  if (typeof value === 'string') return textProblem(value) === null;
  if (Array.isArray(value)) return value.every(storable);
  return value === null || typeof value !== 'object';
}

type Check<T> = (value: unknown) => value is T;

/** Checks for the parts of a cursor key, each within what its column can hold. */
export const CursorKey = {
  uuid: isUuid as Check<string>,
  /** An ISO-8601 timestamp as toISOString writes it, years 1970–9999. */
  timestamp: ((value: unknown): value is string => {
    if (typeof value !== 'string') return false;
    const time = Date.parse(value);
    return Number.isFinite(time) && time >= 0 && time < Date.UTC(10000, 0, 1) && new Date(time).toISOString() === value;
  }) as Check<string>,
  /** An integer in [min, max] (default: a positive PostgreSQL integer). */
  int: (min = 1, max = 2_147_483_647): Check<number> => (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
  /** A positive PostgreSQL bigint written as decimal digits. */
  bigintText: ((value: unknown): value is string =>
    typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n) as Check<string>,
  /** A text of at most `max` characters. */
  text: (max: number): Check<string> => (value: unknown): value is string => typeof value === 'string' && value.length <= max,
  /** A fixed-length tuple of parts. */
  tuple: <T extends unknown[]>(...parts: { [I in keyof T]: Check<T[I]> }): Check<T> =>
    ((value: unknown) => Array.isArray(value) && value.length === parts.length && parts.every((check, i) => check(value[i]))) as Check<T>,
};

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, field = 'first'): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw AppError.badInput(field, `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** Builds a connection from `size + 1` fetched rows (the extra one says whether a next page exists). */
export function toConnection<R, T>(rows: R[], size: number, keyOf: (row: R) => unknown, toNode: (row: R) => T): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((row) => ({ cursor: encodeCursor(keyOf(row)), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
