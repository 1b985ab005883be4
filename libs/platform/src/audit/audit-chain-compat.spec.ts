import { createHash } from 'node:crypto';
import { type ChainedFields, GENESIS_HASH, type JsonValue, entryHash, verifyChain } from './audit-chain';

// Entries already in change logs were hashed by the audit chain's first canonical form:
// JSON.stringify over a copy with keys sorted into fresh objects. It is frozen here, copied
// by hand from libs/platform/src/audit/audit-chain.ts before the change log moved to the
// one canonical JSON of @rampart/common; the hex hashes below were computed once with it.

function legacyToJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))) as JsonValue;
}
function legacySortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(legacySortKeys);
  if (value && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) out[key] = legacySortKeys(value[key]);
    return out;
  }
  return value;
}
function legacyEntryHash(fields: ChainedFields): string {
  const payload = JSON.stringify(
    legacySortKeys(
      legacyToJson({
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
      }),
    ),
  );
  return createHash('sha256').update(payload).digest('hex');
}

const TENANT = '0b5c3f0e-7d2a-4a51-9c61-3e8f2d1a7b40';
const USER = '9a7e2c14-58d3-4f0b-a6c2-1d9e8b3f7a25';
const SCOPE = '4e1d8a6b-2c3f-4b7e-8a90-5f6c7d8e9a01';
const POLICY = 'c2f4e6a8-1b3d-4e5f-9a7b-8c6d4e2f0a13';

// What the services hand the audit log (after toJson: Dates as ISO strings, bigint as text).
const PAYLOADS: Array<Pick<ChainedFields, 'operation' | 'targetType' | 'targetId' | 'before' | 'after'>> = [
  {
    operation: 'onboardCloudScope',
    targetType: 'CloudScope',
    targetId: SCOPE,
    before: null,
    after: legacyToJson({
      tenantId: TENANT, id: SCOPE, provider: 'AZURE', externalId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', displayName: 'Prod — West Europe',
      environment: 'COMMERCIAL', planEnabled: true, offboardedAt: null,
      createdAt: new Date('2026-11-20T08:15:30.123Z'), updatedAt: new Date('2026-11-20T08:15:30.123Z'),
    }),
  },
  {
    operation: 'createPolicy',
    targetType: 'Policy',
    targetId: POLICY,
    before: null,
    after: legacyToJson({
      id: POLICY, name: 'Block privileged', description: 'Ünïcödé, "quotes" and \\ backslashes\n', action: 'BLOCK', isDefault: false, version: 1,
      scope: { cloudScopeIds: [SCOPE], clusterIds: [], namespaces: ['payments', 'kube-public'] },
      rules: [
        { ruleId: 'privileged-containers', enabled: true, parameters: {} },
        { ruleId: 'trusted-registries', enabled: true, parameters: { registries: ['registry.example.test/', 'ghcr.io/acme/'] } },
        { ruleId: 'resource-limits', enabled: false, parameters: { maxCpu: '2', maxMemory: '4Gi', ratio: 1.5 } },
      ],
      revision: 42n,
    }),
  },
  {
    operation: 'updatePolicy',
    targetType: 'Policy',
    targetId: POLICY,
    before: legacyToJson({ version: 1, action: 'BLOCK', scope: { cloudScopeIds: [SCOPE], clusterIds: [], namespaces: [] } }),
    after: legacyToJson({ version: 2, action: 'AUDIT', diff: { action: { from: 'BLOCK', to: 'AUDIT' } }, B: 1, b: 2, é: 3, e: 4 }),
  },
  {
    // Integer-like keys: JavaScript enumerates them first, in numeric order, whatever the
    // insertion order, so the legacy form wrote "9" before "10" and both before "!".
    operation: 'importLabels',
    targetType: 'Cluster',
    targetId: null,
    before: legacyToJson({ '10': 'ten', '9': 'nine', '!': 'bang', a: { '2': [{ '11': true, '1': null }], '-1': 0, '01': 1 } }),
    after: legacyToJson({ '0': 0, ' ': 'space', z: [] }),
  },
];

/** The chain as it is stored today: hashed with the legacy form. */
function legacyChain(): Array<ChainedFields & { hash: string }> {
  const out: Array<ChainedFields & { hash: string }> = [];
  let prevHash = GENESIS_HASH;
  PAYLOADS.forEach((payload, i) => {
    const fields: ChainedFields = {
      tenantId: TENANT,
      seq: BigInt(i + 1),
      prevHash,
      actorUserId: i === 3 ? null : USER,
      actor: i === 3 ? 'system' : 'alice@example.test',
      ...payload,
      requestId: i === 0 ? null : `req-${i}`,
      createdAt: new Date(Date.UTC(2026, 10, 20, 8, 15, 30 + i, 123)),
    };
    const hash = legacyEntryHash(fields);
    out.push({ ...fields, hash });
    prevHash = hash;
  });
  return out;
}

describe('change-log entries hashed before the one canonical JSON', () => {
  const entries = legacyChain();
  const head = { lastSeq: entries[entries.length - 1].seq, lastHash: entries[entries.length - 1].hash };

  it('the frozen legacy reference reproduces the hashes recorded with the old code', () => {
    expect(entries.map((e) => e.hash)).toEqual([
      '607963d2d836d1161129320f956fc329670518fb59f6403a76f5f6ff84610352',
      'b493b62d68531c3f8edca9cf24ab93d4d4cbce71e14312e7a1eba7e170b042a0',
      '556e33688d051b05190a32bb167f00c5ec8da4c38247e7d65e559b8f4cc8056c',
      '9a6a08c28132889b9da78b3c1a308a4524e2d5b31c2f61c040b053b29e32706f',
    ]);
  });

  it('still verify, integer-like keys included', () => {
    expect(verifyChain(entries, head)).toEqual({ ok: true, entries: 4, lastSeq: 4n, checkpoint: null });
  });

  it('an altered legacy entry is still caught, whichever ordering it is checked with', () => {
    const altered = entries.map((e) => ({ ...e }));
    altered[3].before = { ...(altered[3].before as Record<string, JsonValue>), '9': 'NINE' };
    expect(verifyChain(altered, head)).toMatchObject({ ok: false, firstBadSeq: 4n, reason: 'entry 4 was altered (hash mismatch)' });
    const alteredPolicy = entries.map((e) => ({ ...e }));
    alteredPolicy[1].after = { ...(alteredPolicy[1].after as Record<string, JsonValue>), version: 2 };
    expect(verifyChain(alteredPolicy, head)).toMatchObject({ ok: false, firstBadSeq: 2n });
  });

  it('new entries are hashed with the canonical form: keys by UTF-16 code units at every level', () => {
    const fields: ChainedFields = {
      tenantId: TENANT,
      seq: 5n,
      prevHash: entries[3].hash,
      actorUserId: null,
      actor: 'system',
      operation: 'importLabels',
      targetType: 'Cluster',
      targetId: null,
      before: { '10': 'ten', '9': 'nine', '!': 'bang' },
      after: null,
      requestId: null,
      createdAt: new Date('2026-11-20T08:16:00.000Z'),
    };
    // Written by hand: "!" (U+0021) < "1" < "9" < letters, and the top-level field names sorted.
    const expected =
      '{"actor":"system","actorUserId":null,"after":null,"before":{"!":"bang","10":"ten","9":"nine"},"createdAt":"2026-11-20T08:16:00.000Z",' +
      `"operation":"importLabels","prevHash":"${entries[3].hash}","requestId":null,"seq":"5","targetId":null,"targetType":"Cluster","tenantId":"${TENANT}"}`;
    expect(entryHash(fields)).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(entryHash(fields)).not.toBe(legacyEntryHash(fields));
    const next = { ...fields, hash: entryHash(fields) };
    expect(verifyChain([...entries, next], { lastSeq: 5n, lastHash: next.hash })).toMatchObject({ ok: true, entries: 5 });
  });
});
