import { decodeCursor } from '@rampart/platform';
import type { CreatedKey } from './inventory.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Cursors of (createdAt, id) orderings are `[isoTime, id]`. */
export function decodeCreatedKey(cursor: string, field = 'after'): CreatedKey {
  const [at, id] = decodeCursor(
    cursor,
    field,
    (v): v is [string, string] =>
      Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && typeof v[1] === 'string' && UUID.test(v[1]),
  );
  return { createdAt: new Date(at), id };
}
