import { passportJwtSecret as jwksSecret } from 'jwks-rsa';
import type { SecretOrKeyProvider } from 'passport-jwt';
import type { LocalIssuer } from './local-issuer';

// jwks-rsa types its provider for express-jwt's callback; passport-jwt calls it the same way.
const passportJwtSecret = (options: Parameters<typeof jwksSecret>[0]): SecretOrKeyProvider => jwksSecret(options) as SecretOrKeyProvider;

// Shared by both modes so the local issuer exercises the exact jwks-rsa path production uses.
const JWKS_CLIENT_OPTIONS = {
  cache: true,
  cacheMaxEntries: 10,
  cacheMaxAge: 10 * 60_000,
  // Tokens with unknown kids must not turn into a flood of requests to the issuer.
  rateLimit: true,
  jwksRequestsPerMinute: 10,
  timeout: 5_000,
  // Surface "no key with this kid" as the failure reason (for the debug log)
  // instead of jwks-rsa's default, which hides it behind a missing-key error.
  handleSigningKeyError: (err: Error | null, cb: (err: Error | null) => void) => cb(err),
} as const;

/**
 * Keys for the local issuer: jwks-rsa's interceptor hands it the in-memory JWKS.
 * jwks-rsa falls back to fetching `jwksUri` when no key matches the kid, so the
 * fetcher answers with the same JWKS: an unknown kid never costs a request to ourselves.
 */
export function localSigningKeys(issuer: LocalIssuer, publicUrl: string): SecretOrKeyProvider {
  return passportJwtSecret({
    ...JWKS_CLIENT_OPTIONS,
    jwksUri: `${publicUrl}/.well-known/jwks.json`,
    getKeysInterceptor: async () => issuer.jwks().keys,
    fetcher: async () => issuer.jwks(),
  });
}

export class OidcDiscoveryError extends Error {
  override readonly name = 'OidcDiscoveryError';
}

// While the issuer's discovery document is unreachable every request would retry
// it; remembering the failure briefly keeps an outage from becoming a request storm.
const DISCOVERY_RETRY_AFTER_MS = 5_000;

/** Reads `jwks_uri` from the issuer's OpenID Connect discovery document. */
export async function discoverJwksUri(issuerUrl: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const url = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let document: { jwks_uri?: unknown };
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(5_000), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    document = (await response.json()) as { jwks_uri?: unknown };
  } catch (error) {
    throw new OidcDiscoveryError(`OIDC discovery at ${url} failed: ${(error as Error).message}`);
  }
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri)) {
    throw new OidcDiscoveryError(`OIDC discovery document at ${url} has no usable jwks_uri`);
  }
  return jwksUri;
}

/**
 * Keys of an external issuer. The JWKS URI is either configured or discovered on
 * first use (not at start-up, so the API starts while the issuer is unreachable)
 * and then kept for the life of the process.
 */
export function oidcSigningKeys(issuerUrl: string, jwksUri?: string): SecretOrKeyProvider {
  let provider: Promise<SecretOrKeyProvider> | undefined;
  let failedAt = 0;
  const resolve = (): Promise<SecretOrKeyProvider> => {
    if (provider && failedAt && Date.now() - failedAt > DISCOVERY_RETRY_AFTER_MS) provider = undefined;
    if (!provider) {
      failedAt = 0;
      provider = (jwksUri ? Promise.resolve(jwksUri) : discoverJwksUri(issuerUrl)).then(
        (uri) => passportJwtSecret({ ...JWKS_CLIENT_OPTIONS, jwksUri: uri }),
      );
      provider.catch(() => {
        failedAt = Date.now();
      });
    }
    return provider;
  };
  return (request, rawJwtToken, done) => {
    resolve().then(
      (secretOrKey) => secretOrKey(request, rawJwtToken, done),
      (error: unknown) => done(error),
    );
  };
}
