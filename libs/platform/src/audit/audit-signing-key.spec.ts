import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/config';
import { checkCheckpointSignature, signCheckpoint } from './audit-checkpoint';
import { auditSigningKey, auditVerifyKeys, loadAuditSigningKey, parseVerifyKey, publicKeyText } from './audit-signing-key';

describe('audit checkpoint keys and signatures', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-audit-key-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the key once, readable by its owner only, and reads the same key back', async () => {
    const file = path.join(dir, 'nested', 'key.pem');
    const first = await loadAuditSigningKey(file, { create: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await loadAuditSigningKey(file, { create: true });
    expect(again.keyId).toBe(first.keyId);
    expect(first.keyId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('two processes starting together end up with one key', async () => {
    const file = path.join(dir, 'key.pem');
    const keys = await Promise.all([1, 2, 3, 4].map(() => loadAuditSigningKey(file, { create: true })));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
  });

  it('reads a key made by openssl-style PKCS#8 PEM', async () => {
    const file = path.join(dir, 'openssl.pem');
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const key = await loadAuditSigningKey(file, { create: false });
    expect(publicKeyText(key.publicKey)).toBe(createPublicKey(privateKey).export({ format: 'jwk' }).x);
  });

  it('in production: the file must be named and must exist; nothing is made up', async () => {
    const production = { NODE_ENV: 'production', OIDC_ISSUER_URL: 'https://issuer.example.invalid' };
    await expect(auditSigningKey(loadConfig(production))).rejects.toThrow(
      new ConfigError('Invalid configuration: AUDIT_SIGNING_KEY_FILE must be set when NODE_ENV is production (the key that signs change-log checkpoints)'),
    );
    const missing = path.join(dir, 'absent.pem');
    await expect(auditSigningKey(loadConfig({ ...production, AUDIT_SIGNING_KEY_FILE: missing }))).rejects.toThrow(
      /AUDIT_SIGNING_KEY_FILE .*absent\.pem does not exist \(create it once with `openssl genpkey -algorithm ed25519/,
    );
    expect(() => statSync(missing)).toThrow(/ENOENT/);
  });

  it('refuses a file that is not an Ed25519 private key instead of replacing it', async () => {
    const file = path.join(dir, 'rsa.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await expect(loadAuditSigningKey(file, { create: true })).rejects.toThrow(/is not a readable Ed25519 private key \(expected an Ed25519 private key, got rsa\)/);
  });

  it('AUDIT_VERIFY_KEY: validated at start-up, one line naming it', () => {
    expect(() => loadConfig({ AUDIT_VERIFY_KEY: 'not-a-key' })).toThrow(
      /^Invalid configuration: AUDIT_VERIFY_KEY must be Ed25519 public keys: base64url of 32 bytes \(43 characters\), separated by commas \(got "not-a-key"\)$/,
    );
    expect(() => loadConfig({ AUDIT_CHECKPOINT_EVERY_MS: '10' })).toThrow(/AUDIT_CHECKPOINT_EVERY_MS must be a whole number between 1000 and 86400000/);
    expect(loadConfig({}).auditCheckpointEveryMs).toBe(900_000);
  });

  it('verifies with public keys only; an old key stays usable after a rotation', async () => {
    const oldKey = await loadAuditSigningKey(path.join(dir, 'old.pem'), { create: true });
    const newKey = await loadAuditSigningKey(path.join(dir, 'new.pem'), { create: true });
    const head = { tenantId: '6f1c7a52-4a8e-4d8e-9d3e-2f7c1b0a9e11', seq: 7n, hash: 'a'.repeat(64) };
    const byOld = signCheckpoint(oldKey, head, new Date('2026-01-01T00:00:00.000Z'));
    const config = loadConfig({
      AUDIT_VERIFY_KEY: `${publicKeyText(newKey.publicKey)}, ${publicKeyText(oldKey.publicKey)}`,
      AUDIT_SIGNING_KEY_FILE: path.join(dir, 'absent.pem'),
    });
    const keys = await auditVerifyKeys(config);
    expect(keys.map((k) => k.keyId)).toEqual([newKey.keyId, oldKey.keyId]);
    expect(checkCheckpointSignature(keys, byOld)).toBe('valid');
    expect(checkCheckpointSignature([parseVerifyKey(publicKeyText(newKey.publicKey))], byOld)).toBe('unknown-key');
    // Any signed field changed: the signature no longer holds.
    for (const altered of [{ seq: 8n }, { hash: 'b'.repeat(64) }, { tenantId: '00000000-0000-4000-8000-000000000000' }, { signedAt: new Date('2026-01-02T00:00:00.000Z') }]) {
      expect(checkCheckpointSignature(keys, { ...byOld, ...altered })).toBe('invalid');
    }
  });

  it('signs exactly the documented payload (checked with node:crypto against a hand-written string)', async () => {
    const key = await loadAuditSigningKey(path.join(dir, 'k.pem'), { create: true });
    const cp = signCheckpoint(key, { tenantId: '6f1c7a52-4a8e-4d8e-9d3e-2f7c1b0a9e11', seq: 12n, hash: 'c'.repeat(64) }, new Date('2026-03-04T05:06:07.089Z'));
    const payload = `{"hash":"${'c'.repeat(64)}","keyId":"${key.keyId}","purpose":"rampart-audit-checkpoint/v1","seq":"12","signedAt":"2026-03-04T05:06:07.089Z","tenantId":"6f1c7a52-4a8e-4d8e-9d3e-2f7c1b0a9e11"}`;
    expect(cp.signature).toBe(sign(null, Buffer.from(payload), key.privateKey).toString('base64url'));
  });

  it('without AUDIT_VERIFY_KEY the verifier derives the public key from an existing signing key file, and never creates one', async () => {
    const file = path.join(dir, 'k.pem');
    expect(await auditVerifyKeys(loadConfig({ AUDIT_SIGNING_KEY_FILE: file }))).toEqual([]);
    expect(() => statSync(file)).toThrow(/ENOENT/);
    const key = await loadAuditSigningKey(file, { create: true });
    expect((await auditVerifyKeys(loadConfig({ AUDIT_SIGNING_KEY_FILE: file }))).map((k) => k.keyId)).toEqual([key.keyId]);
  });
});
