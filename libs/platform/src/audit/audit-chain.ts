import { createHash } from 'node:crypto';

// The tamper-evident part of the change log, pure so the API, the verify command
// and tests compute exactly the same thing.

export const GENESIS_HASH = '0'.repeat(64);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** JSON with object keys sorted at every level: equal values, equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(toJson(value)));
}

/** Normalises a value to what JSON (and jsonb) can hold: Dates become ISO strings, undefined disappears. */
export function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))) as JsonValue;
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/** Everything an entry's hash covers (its own hash excepted). */
export interface ChainedFields {
  tenantId: string;
  seq: bigint;
  prevHash: string;
  actorUserId: string | null;
  actor: string;
  operation: string;
  targetType: string;
  targetId: string | null;
  before: JsonValue | null;
  after: JsonValue | null;
  requestId: string | null;
  createdAt: Date;
}

export function entryHash(fields: ChainedFields): string {
  const payload = canonicalJson({
    tenantId: fields.tenantId,
    seq: fields.seq.toString(),
    prevHash: fields.prevHash,
    actorUserId: fields.actorUserId,
    actor: fields.actor,
    operation: fields.operation,
    targetType: fields.targetType,
    targetId: fields.targetId,
    before: fields.before,
    after: fields.after,
    requestId: fields.requestId,
    createdAt: fields.createdAt.toISOString(),
  });
  return createHash('sha256').update(payload).digest('hex');
}

export type ChainVerdict =
  | { ok: true; entries: number; lastSeq: bigint }
  | { ok: false; entries: number; firstBadSeq: bigint; reason: string };

/**
 * Recomputes a tenant's chain one entry at a time (so a long log streams through),
 * entries in ascending seq order; `finish` compares with the stored head, which
 * catches deletion of the newest entries.
 */
export class ChainVerifier {
  private expectedSeq = 1n;
  private prevHash = GENESIS_HASH;
  private count = 0;
  private failure: ChainVerdict | null = null;

  /** Returns false once the chain is broken (further entries are ignored). */
  push(entry: ChainedFields & { hash: string }): boolean {
    if (this.failure) return false;
    this.count += 1;
    const fail = (firstBadSeq: bigint, reason: string) => {
      this.failure = { ok: false, entries: this.count, firstBadSeq, reason };
      return false;
    };
    if (entry.seq !== this.expectedSeq) {
      return entry.seq > this.expectedSeq
        ? fail(this.expectedSeq, `entry ${this.expectedSeq} is missing`)
        : fail(this.expectedSeq, `entry ${entry.seq} appears where entry ${this.expectedSeq} belongs`);
    }
    if (entry.prevHash !== this.prevHash) return fail(entry.seq, `entry ${entry.seq} does not link to entry ${entry.seq - 1n}`);
    if (entryHash(entry) !== entry.hash) return fail(entry.seq, `entry ${entry.seq} was altered (hash mismatch)`);
    this.prevHash = entry.hash;
    this.expectedSeq += 1n;
    return true;
  }

  finish(head: { lastSeq: bigint; lastHash: string } | null): ChainVerdict {
    if (this.failure) return this.failure;
    const lastSeq = this.expectedSeq - 1n;
    if (head && (head.lastSeq !== lastSeq || head.lastHash !== this.prevHash)) {
      const firstBadSeq = head.lastSeq > lastSeq ? lastSeq + 1n : head.lastSeq;
      return {
        ok: false,
        entries: this.count,
        firstBadSeq,
        reason: head.lastSeq > lastSeq ? `entries ${lastSeq + 1n}…${head.lastSeq} are missing` : `the chain head does not match entry ${lastSeq}`,
      };
    }
    return { ok: true, entries: this.count, lastSeq };
  }
}

export function verifyChain(
  entries: Iterable<ChainedFields & { hash: string }>,
  head: { lastSeq: bigint; lastHash: string } | null,
): ChainVerdict {
  const verifier = new ChainVerifier();
  for (const entry of entries) if (!verifier.push(entry)) break;
  return verifier.finish(head);
}
