import { type ChainedFields, GENESIS_HASH, type TrustedCheckpoint, entryHash, verifyChain } from './audit-chain';

type Entry = ChainedFields & { hash: string };

const TENANT = '6f1c7a52-4a8e-4d8e-9d3e-2f7c1b0a9e11';

/** A well-formed chain of `n` entries; `actor` lets a test build the "rewritten" twin of a chain. */
function chain(n: number, actor: (seq: number) => string = () => 'alice@example.test'): Entry[] {
  const out: Entry[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= n; i += 1) {
    const fields: ChainedFields = {
      tenantId: TENANT,
      seq: BigInt(i),
      prevHash,
      actorUserId: null,
      actor: actor(i),
      operation: 'assignRole',
      targetType: 'RoleAssignment',
      targetId: String(i),
      before: null,
      after: { n: i },
      requestId: null,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    };
    const hash = entryHash(fields);
    out.push({ ...fields, hash });
    prevHash = hash;
  }
  return out;
}

const headOf = (entries: Entry[]) => ({ lastSeq: entries[entries.length - 1].seq, lastHash: entries[entries.length - 1].hash });
const checkpointAt = (entries: Entry[], seq: number): TrustedCheckpoint => ({
  seq: BigInt(seq),
  hash: entries[seq - 1].hash,
  signedAt: new Date('2026-02-01T00:00:00.000Z'),
  keyId: 'key-1',
});

describe('verifyChain with checkpoints and heads', () => {
  const original = chain(6);
  // Entry 3 edited and every later hash recomputed: internally consistent.
  const rewritten = chain(6, (seq) => (seq === 3 ? 'mallory@example.test' : 'alice@example.test'));

  it('a consistent rewrite passes the chain alone — the gap checkpoints close', () => {
    expect(verifyChain(rewritten, headOf(rewritten))).toMatchObject({ ok: true, entries: 6, checkpoint: null });
  });

  it('names the first checkpoint the rewrite no longer matches, and the range the change lies in', () => {
    const verdict = verifyChain(rewritten, headOf(rewritten), [checkpointAt(original, 2), checkpointAt(original, 5)]);
    expect(verdict).toEqual({
      ok: false,
      entries: 5,
      firstBadSeq: 3n,
      reason:
        'the log was rewritten and re-chained: entry 5 does not match the checkpoint of sequence 5 signed at 2026-02-01T00:00:00.000Z by key key-1 (the change lies between sequence 3 and 5)',
    });
  });

  it('an intact chain reports the newest checkpoint it matched', () => {
    const verdict = verifyChain(original, headOf(original), [checkpointAt(original, 5), checkpointAt(original, 2)]);
    expect(verdict).toEqual({ ok: true, entries: 6, lastSeq: 6n, checkpoint: checkpointAt(original, 5) });
  });

  it('a checkpoint beyond the end of the chain: entries were cut off', () => {
    const cut = original.slice(0, 4);
    expect(verifyChain(cut, headOf(cut), [checkpointAt(original, 5)])).toMatchObject({
      ok: false,
      firstBadSeq: 5n,
      reason: expect.stringContaining('names entry 5, which no longer exists'),
    });
  });

  it('a missing head, and a head that does not match the last entry, are failures', () => {
    expect(verifyChain(original, null)).toMatchObject({ ok: false, firstBadSeq: 7n, reason: 'the chain head is missing' });
    expect(verifyChain(original, { lastSeq: 6n, lastHash: 'f'.repeat(64) })).toMatchObject({
      ok: false,
      firstBadSeq: 6n,
      reason: 'the chain head (sequence 6) does not match entry 6, the last one',
    });
    expect(verifyChain(original, { lastSeq: 0n, lastHash: GENESIS_HASH })).toMatchObject({
      ok: false,
      firstBadSeq: 1n,
      reason: 'the chain head (sequence 0) is behind the last entry (6): it was moved back',
    });
    expect(verifyChain(original.slice(0, 4), headOf(original))).toMatchObject({ ok: false, firstBadSeq: 5n, reason: 'entries 5…6 are missing' });
  });
});
