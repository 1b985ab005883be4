import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type AppConfig, ConfigError } from '../config/config';

// The checkpoint key lives outside the database on purpose: whoever can rewrite the
// database must not also be able to sign what they wrote.

/** The public half of a checkpoint key, as the verifier needs it. */
export interface AuditVerifyKey {
  keyId: string;
  publicKey: KeyObject;
}

export interface AuditSigningKey extends AuditVerifyKey {
  privateKey: KeyObject;
}

/** The raw 32-byte Ed25519 public key in base64url (the JWK `x`): what AUDIT_VERIFY_KEY holds. */
export function publicKeyText(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

/** RFC 7638 thumbprint of the public key: a key id that cannot be claimed by another key. */
export function auditKeyId(publicKey: KeyObject): string {
  const canonical = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: publicKeyText(publicKey) });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** One AUDIT_VERIFY_KEY item (base64url of the 32 raw bytes); throws when it is not one. */
export function parseVerifyKey(text: string): AuditVerifyKey {
  const x = text.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(x) || Buffer.from(x, 'base64url').length !== 32) {
    throw new Error('must be Ed25519 public keys: base64url of 32 bytes (43 characters), separated by commas');
  }
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return { keyId: auditKeyId(publicKey), publicKey };
}

/**
 * Reads the signing key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it).
 * With `create` (outside production) a missing file is made once, mode 0600; two
 * processes starting together end up with the same key (written under a private name,
 * then hard-linked into place, which fails for the second).
 */
export async function loadAuditSigningKey(file: string, { create }: { create: boolean }): Promise<AuditSigningKey> {
  const existing = await readKeyFile(file);
  if (existing) return existing;
  if (!create) {
    throw new ConfigError(
      `Invalid configuration: AUDIT_SIGNING_KEY_FILE ${file} does not exist (create it once with \`openssl genpkey -algorithm ed25519 -out ${file}\`, mode 0600)`,
    );
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const stored = await readKeyFile(file);
  if (!stored) throw new Error(`Audit signing key file ${file} vanished while it was being created`);
  return stored;
}

async function readKeyFile(file: string): Promise<AuditSigningKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const privateKey = createPrivateKey(text);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 private key, got ${privateKey.asymmetricKeyType}`);
    const publicKey = createPublicKey(privateKey);
    return { keyId: auditKeyId(publicKey), privateKey, publicKey };
  } catch (error) {
    // Never replace it silently: every checkpoint signed so far would stop verifying.
    throw new ConfigError(`Invalid configuration: AUDIT_SIGNING_KEY_FILE ${file} is not a readable Ed25519 private key (${(error as Error).message})`);
  }
}

/** The key that signs checkpoints: created on first use outside production, required in production. */
export async function auditSigningKey(config: Pick<AppConfig, 'nodeEnv' | 'auditSigningKeyFile'>): Promise<AuditSigningKey> {
  if (!config.auditSigningKeyFile) {
    throw new ConfigError('Invalid configuration: AUDIT_SIGNING_KEY_FILE must be set when NODE_ENV is production (the key that signs change-log checkpoints)');
  }
  return loadAuditSigningKey(config.auditSigningKeyFile, { create: config.nodeEnv !== 'production' });
}

/**
 * The keys checkpoints are verified with: AUDIT_VERIFY_KEY when set (a verifier needs no
 * private key; old keys stay listed after a rotation), otherwise the public half of the
 * signing key file if it exists. Empty when there is neither.
 */
export async function auditVerifyKeys(config: Pick<AppConfig, 'auditVerifyKeys' | 'auditSigningKeyFile'>): Promise<AuditVerifyKey[]> {
  if (config.auditVerifyKeys.length) return config.auditVerifyKeys.map(parseVerifyKey);
  if (!config.auditSigningKeyFile) return [];
  const key = await readKeyFile(config.auditSigningKeyFile);
  return key ? [{ keyId: key.keyId, publicKey: key.publicKey }] : [];
}
