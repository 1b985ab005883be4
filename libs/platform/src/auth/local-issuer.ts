import { sign } from 'jsonwebtoken';
import type { LocalIssuerKey } from './local-issuer-key';

export interface DevTokenClaims {
  sub: string;
  email: string;
  name?: string;
  /** The `email_verified` claim; true unless a test wants an unverified address. */
  emailVerified?: boolean;
  expiresInSeconds?: number;
}

export const DEV_TOKEN_DEFAULT_TTL_SECONDS = 3600;
export const DEV_TOKEN_MAX_TTL_SECONDS = 86_400;

/**
 * The API as its own OpenID-style issuer for development and tests: it signs
 * tokens with a key pair kept on disk and publishes the public half as a JWKS,
 * so tokens take the same validation path as a real issuer's.
 */
export class LocalIssuer {
  constructor(
    private readonly key: LocalIssuerKey,
    readonly issuer: string,
    readonly audience: string,
  ) {}

  get kid(): string {
    return this.key.kid;
  }

  jwks(): { keys: LocalIssuerKey['publicJwk'][] } {
    return { keys: [{ ...this.key.publicJwk }] };
  }

  issue({ sub, email, name, emailVerified = true, expiresInSeconds = DEV_TOKEN_DEFAULT_TTL_SECONDS }: DevTokenClaims): string {
    return sign({ email, email_verified: emailVerified, ...(name === undefined ? {} : { name }) }, this.key.privateKey, {
      algorithm: 'RS256',
      keyid: this.key.kid,
      issuer: this.issuer,
      audience: this.audience,
      subject: sub,
      expiresIn: expiresInSeconds,
    });
  }
}
