import { decode } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import type { SecretOrKeyProvider } from 'passport-jwt';
import type { LocalIssuer } from './local-issuer';

/** No key of the issuer's JWKS matches the token (unknown kid, or no kid and several keys). */
export class SigningKeyNotFoundError extends Error {
  override readonly name = 'SigningKeyNotFoundError';
}

/** The token's header is not one Rampart verifies (not RS256, not a JWT). */
export class UnsupportedTokenHeaderError extends Error {
  override readonly name = 'UnsupportedTokenHeaderError';
}

export interface SigningKeyStoreOptions {
  /** Known keys are trusted this long; then the JWKS is read again, so a withdrawn key stops working. */
  maxAgeMs: number;
  /**
   * Fetches triggered by unknown kids start at least this far apart, whatever the
   * number of distinct kids: the issuer sees at most one request per interval, and
   * a genuinely new kid waits at most this long (plus the fetch).
   */
  minRefreshIntervalMs: number;
  /** A kid a fresh JWKS did not contain is refused without another fetch for this long. */
  missRetryMs: number;
  /** How many such kids are remembered (oldest forgotten first). */
  maxRememberedMisses: number;
}

export const DEFAULT_SIGNING_KEY_STORE_OPTIONS: SigningKeyStoreOptions = {
  maxAgeMs: 10 * 60_000,
  minRefreshIntervalMs: 1_000,
  missRetryMs: 60_000,
  maxRememberedMisses: 1_000,
};

export interface PublicKeyEntry {
  kid?: string;
  pem: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The issuer's keys, with refetching limited per kid instead of jwks-rsa's one
 * global budget. With a global budget a flood of tokens carrying random kids uses
 * up the fetches and a genuinely rotated key is refused until the budget refills
 * (about a minute). Here:
 * - every caller with an unknown kid waits for a fetch that starts after it asked,
 *   and all callers waiting at once share that one fetch (a flood costs one request);
 * - fetches are spaced by `minRefreshIntervalMs`, so the issuer is never hammered;
 * - a kid that a fresh fetch did not contain is refused at once for `missRetryMs`,
 *   so repeating one bad kid costs nothing, while a new kid always gets its fetch.
 */
export class SigningKeyStore {
  private keys: PublicKeyEntry[] = [];
  private fetchedAt: number | undefined;
  private lastFetchStart = Number.NEGATIVE_INFINITY;
  /** The next fetch, not started yet: whoever asks now is served by it. */
  private scheduled: Promise<void> | undefined;
  private readonly misses = new Map<string, number>();

  constructor(
    private readonly fetchKeys: () => Promise<PublicKeyEntry[]>,
    private readonly options: SigningKeyStoreOptions = DEFAULT_SIGNING_KEY_STORE_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  async keyFor(kid: string | undefined): Promise<string> {
    if (this.fetchedAt === undefined || this.now() - this.fetchedAt > this.options.maxAgeMs) await this.refresh();
    // Looked up before the misses: a kid that a later fetch brought is found whatever its past.
    const known = this.find(kid);
    if (known) return known;
    // Without a kid there is nothing new to look for: a second fetch could not help.
    if (kid === undefined) throw new SigningKeyNotFoundError('token has no kid and the JWKS has several keys');
    const missedAt = this.misses.get(kid);
    if (missedAt !== undefined && this.now() - missedAt < this.options.missRetryMs) {
      throw new SigningKeyNotFoundError(`no signing key with kid ${JSON.stringify(kid)} (recently looked up)`);
    }
    await this.refresh();
    const fetched = this.find(kid);
    if (fetched) return fetched;
    this.rememberMiss(kid);
    throw new SigningKeyNotFoundError(`no signing key with kid ${JSON.stringify(kid)}`);
  }

  private find(kid: string | undefined): string | undefined {
    if (kid === undefined) return this.keys.length === 1 ? this.keys[0].pem : undefined;
    return this.keys.find((k) => k.kid === kid)?.pem;
  }

  private rememberMiss(kid: string): void {
    this.misses.delete(kid);
    this.misses.set(kid, this.now());
    while (this.misses.size > this.options.maxRememberedMisses) {
      const oldest = this.misses.keys().next().value as string;
      this.misses.delete(oldest);
    }
  }

  /** Resolves after a fetch that started after this call; concurrent callers share it. */
  private refresh(): Promise<void> {
    if (!this.scheduled) {
      const wait = Math.max(0, this.lastFetchStart + this.options.minRefreshIntervalMs - this.now());
      this.scheduled = sleep(wait)
        .then(() => {
          // From here on the fetch is under way: later callers schedule the next one.
          this.scheduled = undefined;
          this.lastFetchStart = this.now();
          return this.fetchKeys();
        })
        .then((keys) => {
          this.keys = keys;
          this.fetchedAt = this.now();
        });
    }
    return this.scheduled;
  }
}

/** A passport-jwt key provider over a SigningKeyStore: RS256 tokens only, key chosen by the header's kid. */
export function keyProviderFor(store: SigningKeyStore): SecretOrKeyProvider {
  return (_request, rawJwtToken, done) => {
    const decoded = typeof rawJwtToken === 'string' ? decode(rawJwtToken, { complete: true }) : null;
    if (!decoded || typeof decoded === 'string' || decoded.header.alg !== 'RS256') {
      done(new UnsupportedTokenHeaderError('token is not an RS256 JWT'));
      return;
    }
    const { kid } = decoded.header;
    store.keyFor(typeof kid === 'string' ? kid : undefined).then(
      (pem) => done(null, pem),
      (error: unknown) => done(error),
    );
  };
}

const JWKS_TIMEOUT_MS = 5_000;

/** Reads a JWKS through jwks-rsa (HTTP, JWK → PEM, signing keys only), without its cache or global rate limit. */
function jwksFetcher(client: JwksClient): () => Promise<PublicKeyEntry[]> {
  return async () => (await client.getSigningKeys()).map((key) => ({ kid: key.kid ?? undefined, pem: key.getPublicKey() }));
}

/**
 * Keys for the local issuer: the JWKS is read from memory through the same
 * jwks-rsa conversion production uses, so there is no issuer to protect and no spacing.
 */
export function localSigningKeys(issuer: LocalIssuer, publicUrl: string): SecretOrKeyProvider {
  const client = new JwksClient({
    jwksUri: `${publicUrl}/.well-known/jwks.json`,
    cache: false,
    rateLimit: false,
    fetcher: async () => issuer.jwks(),
  });
  return keyProviderFor(new SigningKeyStore(jwksFetcher(client), { ...DEFAULT_SIGNING_KEY_STORE_OPTIONS, minRefreshIntervalMs: 0 }));
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
export function oidcSigningKeys(
  issuerUrl: string,
  jwksUri?: string,
  options: SigningKeyStoreOptions = DEFAULT_SIGNING_KEY_STORE_OPTIONS,
): SecretOrKeyProvider {
  let provider: Promise<SecretOrKeyProvider> | undefined;
  let failedAt = 0;
  const resolve = (): Promise<SecretOrKeyProvider> => {
    if (provider && failedAt && Date.now() - failedAt > DISCOVERY_RETRY_AFTER_MS) provider = undefined;
    if (!provider) {
      failedAt = 0;
      provider = (jwksUri ? Promise.resolve(jwksUri) : discoverJwksUri(issuerUrl)).then((uri) => {
        const client = new JwksClient({ jwksUri: uri, cache: false, rateLimit: false, timeout: JWKS_TIMEOUT_MS });
        return keyProviderFor(new SigningKeyStore(jwksFetcher(client), options));
      });
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
