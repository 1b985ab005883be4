import { createHash } from 'node:crypto';
import { canonicalJson } from '@rampart/common';

// The tamper-evident part of the change log, pure so the API, the verify command
// and tests compute exactly the same thing.

export const GENESIS_HASH = '0'.repeat(64);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Normalises a value to what JSON (and jsonb) can hold: Dates become ISO strings, undefined disappears. */
export function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))) as JsonValue;
}

/**
 * The form entries were hashed with before the change log used @rampart/common's canonical
 * JSON: keys sorted into fresh objects, then JSON.stringify. JavaScript enumerates
 * integer-like keys ("9", "10") first and in numeric order, so for objects holding such keys
 * the bytes differ from the canonical form ("10" < "9" < "a" by code units); for every other
 * JSON value they are identical. Kept for verification only, never for writing.
 */
function legacySortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(legacySortKeys);
  if (value && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) out[key] = legacySortKeys(value[key]);
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

function chainedPayload(fields: ChainedFields): JsonValue {
  // The stored jsonb form first (Dates and bigint as text, NaN as null, undefined dropped):
  // verification rehashes what the database gives back, and the canonical form refuses
  // values JSON cannot hold rather than guessing.
  return toJson({
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
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The hash a new entry is written with. */
export function entryHash(fields: ChainedFields): string {
  return sha256(canonicalJson(chainedPayload(fields)));
}

/**
 * Whether `hash` is the entry's hash. Entries already stored were hashed in the legacy form,
 * and their `before`/`after` may hold objects with integer-like keys (they are whatever the
 * service recorded: today closed schemas, but nothing in the log's type rules such keys
 * out), so an entry also verifies when the legacy bytes, where they differ, reproduce its
 * hash. That opens nothing to tampering: both forms are deterministic, unambiguous JSON
 * texts of the same fields, so a different entry passing either would take a SHA-256
 * second preimage.
 */
function entryHashMatches(fields: ChainedFields, hash: string): boolean {
  const payload = chainedPayload(fields);
  const canonical = canonicalJson(payload);
  if (sha256(canonical) === hash) return true;
  const legacy = JSON.stringify(legacySortKeys(payload));
  return legacy !== canonical && sha256(legacy) === hash;
}

/** A checkpoint whose signature has already been checked: the chain must contain exactly this hash at this seq. */
export interface TrustedCheckpoint {
  seq: bigint;
  hash: string;
  signedAt: Date;
  keyId: string;
}

export type ChainVerdict =
  | {
      ok: true;
      entries: number;
      lastSeq: bigint;
      /** The newest signed checkpoint the chain matched, if any. */
      checkpoint: TrustedCheckpoint | null;
    }
  | { ok: false; entries: number; firstBadSeq: bigint; reason: string };

function describeCheckpoint(cp: TrustedCheckpoint): string {
  return `the checkpoint of sequence ${cp.seq} signed at ${cp.signedAt.toISOString()} by key ${cp.keyId}`;
}

/**
 * Recomputes a tenant's chain one entry at a time (so a long log streams through),
 * entries in ascending seq order; `finish` compares with the stored head, which
 * catches deletion of the newest entries. Signed checkpoints catch what the chain
 * alone cannot: a rewrite with every later hash recomputed. `from` starts the walk
 * at an already-trusted link (a checkpoint) instead of the genesis.
 */
export class ChainVerifier {
  private expectedSeq: bigint;
  private prevHash: string;
  private count = 0;
  private failure: ChainVerdict | null = null;
  private readonly checkpoints: TrustedCheckpoint[];
  private nextCheckpoint = 0;
  private matched: TrustedCheckpoint | null = null;

  constructor(options: { from?: { seq: bigint; hash: string }; checkpoints?: readonly TrustedCheckpoint[] } = {}) {
    this.expectedSeq = (options.from?.seq ?? 0n) + 1n;
    this.prevHash = options.from?.hash ?? GENESIS_HASH;
    const fromSeq = options.from?.seq ?? 0n;
    this.checkpoints = [...(options.checkpoints ?? [])].filter((c) => c.seq > fromSeq).sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  }

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
    if (!entryHashMatches(entry, entry.hash)) return fail(entry.seq, `entry ${entry.seq} was altered (hash mismatch)`);
    const checkpoint = this.checkpoints[this.nextCheckpoint];
    if (checkpoint && checkpoint.seq === entry.seq) {
      if (checkpoint.hash !== entry.hash) {
        // Every link verified, yet the signed hash differs: the log was rewritten and re-chained
        // somewhere after the last checkpoint that still matched.
        const from = (this.matched?.seq ?? 0n) + 1n;
        return fail(
          from,
          `the log was rewritten and re-chained: entry ${entry.seq} does not match ${describeCheckpoint(checkpoint)} (the change lies between sequence ${from} and ${entry.seq})`,
        );
      }
      this.matched = checkpoint;
      this.nextCheckpoint += 1;
    }
    this.prevHash = entry.hash;
    this.expectedSeq += 1n;
    return true;
  }

  finish(head: { lastSeq: bigint; lastHash: string } | null): ChainVerdict {
    if (this.failure) return this.failure;
    const lastSeq = this.expectedSeq - 1n;
    const unmatched = this.checkpoints[this.nextCheckpoint];
    if (unmatched) {
      return {
        ok: false,
        entries: this.count,
        firstBadSeq: lastSeq + 1n,
        reason: `${describeCheckpoint(unmatched)} names entry ${unmatched.seq}, which no longer exists`,
      };
    }
    if (!head) {
      // Every tenant gets its head with its first entry; without it the next write would fail.
      return { ok: false, entries: this.count, firstBadSeq: lastSeq + 1n, reason: 'the chain head is missing' };
    }
    if (head.lastSeq > lastSeq) {
      return { ok: false, entries: this.count, firstBadSeq: lastSeq + 1n, reason: `entries ${lastSeq + 1n}…${head.lastSeq} are missing` };
    }
    if (head.lastSeq < lastSeq) {
      return {
        ok: false,
        entries: this.count,
        firstBadSeq: head.lastSeq + 1n,
        reason: `the chain head (sequence ${head.lastSeq}) is behind the last entry (${lastSeq}): it was moved back`,
      };
    }
    if (head.lastHash !== this.prevHash) {
      return { ok: false, entries: this.count, firstBadSeq: lastSeq, reason: `the chain head (sequence ${head.lastSeq}) does not match entry ${lastSeq}, the last one` };
    }
    return { ok: true, entries: this.count, lastSeq, checkpoint: this.matched };
  }
}

export function verifyChain(
  entries: Iterable<ChainedFields & { hash: string }>,
  head: { lastSeq: bigint; lastHash: string } | null,
  checkpoints: readonly TrustedCheckpoint[] = [],
): ChainVerdict {
  const verifier = new ChainVerifier({ checkpoints });
  for (const entry of entries) if (!verifier.push(entry)) break;
  return verifier.finish(head);
}
