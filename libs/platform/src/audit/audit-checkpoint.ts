import { sign, verify } from 'node:crypto';
import { canonicalJson } from '@rampart/common';
import type { AuditSigningKey, AuditVerifyKey } from './audit-signing-key';

// What a checkpoint signs, pure so the signer, the verifier and tests agree byte for byte.

export interface CheckpointFields {
  tenantId: string;
  seq: bigint;
  hash: string;
  signedAt: Date;
  keyId: string;
}

export interface SignedCheckpoint extends CheckpointFields {
  /** Ed25519 signature, base64url. */
  signature: string;
}

/** Separates these signatures from anything else the key might ever sign. */
export const CHECKPOINT_PURPOSE = 'rampart-audit-checkpoint/v1';

export function checkpointPayload(fields: CheckpointFields): Buffer {
  return Buffer.from(
    canonicalJson({
      purpose: CHECKPOINT_PURPOSE,
      tenantId: fields.tenantId,
      seq: fields.seq.toString(),
      hash: fields.hash,
      signedAt: fields.signedAt.toISOString(),
      keyId: fields.keyId,
    }),
  );
}

export function signCheckpoint(key: AuditSigningKey, head: { tenantId: string; seq: bigint; hash: string }, signedAt = new Date()): SignedCheckpoint {
  const fields: CheckpointFields = { ...head, signedAt, keyId: key.keyId };
  return { ...fields, signature: sign(null, checkpointPayload(fields), key.privateKey).toString('base64url') };
}

export type SignatureCheck = 'valid' | 'invalid' | 'unknown-key';

export function checkCheckpointSignature(keys: readonly AuditVerifyKey[], checkpoint: SignedCheckpoint): SignatureCheck {
  const key = keys.find((k) => k.keyId === checkpoint.keyId);
  if (!key) return 'unknown-key';
  const signature = Buffer.from(checkpoint.signature, 'base64url');
  return verify(null, checkpointPayload(checkpoint), key.publicKey, signature) ? 'valid' : 'invalid';
}
