import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createKeyFileOnce, readKeyFileText } from '../secrets/key-file';

/** The local issuer's signing key, as kept on disk and in memory. */
export interface LocalIssuerKey {
  kid: string;
  privateKey: KeyObject;
  /** Public half only: `kty`, `n`, `e` plus `kid`, `alg`, `use`. */
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

interface KeyFile {
  kid: string;
  privateJwk: JsonWebKey;
}

/**
 * Loads the local issuer's key from `file`, creating it on first use, so tokens
 * survive restarts. Two processes starting at once (API + `npm test` workers) end
 * up with the same key: the file is written completely under a private temporary
 * name and then hard-linked into place, which fails if another process got there
 * first, in which case its key is used.
 */
export async function loadOrCreateLocalIssuerKey(file: string): Promise<LocalIssuerKey> {
  const existing = await readKeyFile(file);
  if (existing) return existing;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const content: KeyFile = { kid: thumbprint(privateJwk), privateJwk };
  await createKeyFileOnce(file, `${JSON.stringify(content, null, 2)}\n`);
  const stored = await readKeyFile(file);
  if (!stored) throw new Error(`Local issuer key file ${file} vanished while it was being created`);
  return stored;
}

async function readKeyFile(file: string): Promise<LocalIssuerKey | undefined> {
  const text = await readKeyFileText(file);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<KeyFile>;
    if (typeof parsed.kid !== 'string' || parsed.privateJwk?.kty !== 'RSA' || typeof parsed.privateJwk.d !== 'string') {
      throw new Error('expected {"kid": "...", "privateJwk": {"kty": "RSA", ...}}');
    }
    const privateKey = createPrivateKey({ key: parsed.privateJwk, format: 'jwk' });
    const { kty, n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
    return { kid: parsed.kid, privateKey, publicJwk: { kty, n, e, kid: parsed.kid, alg: 'RS256', use: 'sig' } };
  } catch (error) {
    // Regenerating silently would invalidate every token issued so far; say which file to delete instead.
    throw new Error(`Local issuer key file ${file} is unreadable (${(error as Error).message}); delete it to create a new key`);
  }
}

/** RFC 7638 JWK thumbprint: a stable kid derived from the public key itself. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}
