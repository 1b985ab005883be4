import { CursorKey, decodeCursor } from '@rampart/platform';
import type { CreatedKey } from './inventory.repository';

/** Cursors of (createdAt, id) orderings are `[isoTime, id]`. */
export function decodeCreatedKey(cursor: string, field = 'after'): CreatedKey {
  const [at, id] = decodeCursor(cursor, field, CursorKey.tuple<[string, string]>(CursorKey.timestamp, CursorKey.uuid));
  return { createdAt: new Date(at), id };
}
