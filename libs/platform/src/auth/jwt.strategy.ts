import { Inject, Injectable } from '@nestjs/common';
import { Passport } from 'passport';
import { ExtractJwt, type SecretOrKeyProvider, Strategy } from 'passport-jwt';
import type { AppConfig } from '../config/config';
import { AuthUserService, InsufficientClaimsError } from './auth-user.service';
import type { AuthenticatedUser } from './authenticated-user';

/** Injection token of the secretOrKeyProvider (jwks-rsa) the strategy verifies signatures with. */
export const SIGNING_KEYS = Symbol('SIGNING_KEYS');

/** The issuer `iss` must equal and the audience `aud` must contain. */
export const TOKEN_EXPECTATIONS = Symbol('TOKEN_EXPECTATIONS');
export interface TokenExpectations {
  issuer: string;
  audience: string;
}

export type AuthenticationOutcome =
  | { user: AuthenticatedUser }
  /** The token was refused; `reason` is for the debug log only. */
  | { user?: undefined; reason: unknown }
  /** Something broke on our side (e.g. the database): not the caller's fault. */
  | { user?: undefined; error: unknown };

/** Copes with clock skew between the issuer and this API (exp and nbf; jsonwebtoken checks those). */
const CLOCK_TOLERANCE_SECONDS = 30;
/** A token issued further in the future than this was minted by a broken or hostile clock. */
export const MAX_IAT_SKEW_SECONDS = 60;

/**
 * What jsonwebtoken leaves unchecked: it accepts a token without `exp` (valid
 * forever) and ignores `iat`. Rampart wants every token to expire and none to
 * claim to come from the future. `nbf` is checked by jsonwebtoken (with the tolerance).
 */
export function checkTimeClaims(payload: Record<string, unknown>, nowSeconds: number = Math.floor(Date.now() / 1000)): void {
  const { exp, iat } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new InsufficientClaimsError('token has no exp claim');
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InsufficientClaimsError('token has an unusable iat claim');
    if (iat > nowSeconds + MAX_IAT_SKEW_SECONDS) throw new InsufficientClaimsError('token iat is in the future');
  }
}

/**
 * passport-jwt, RS256 only, with keys from the issuer's JWKS (jwks-rsa) and the
 * issuer and audience checked. Registered with a Passport instance of its own
 * instead of the global one, so two applications in one process (tests) never
 * overwrite each other's strategy.
 */
@Injectable()
export class JwtStrategy extends Strategy {
  private readonly passport = new Passport();
  private readonly verifiedTokens = new VerifiedTokens();

  constructor(
    @Inject(SIGNING_KEYS) signingKeys: SecretOrKeyProvider,
    @Inject(TOKEN_EXPECTATIONS) expectations: TokenExpectations,
    private readonly users: AuthUserService,
  ) {
    // passport-jwt wants the verify callback in the constructor, before `this` exists.
    const late: { validate?: (payload: Record<string, unknown>) => Promise<AuthenticatedUser> } = {};
    super(
      {
        jwtFromRequest: bearerToken,
        secretOrKeyProvider: signingKeys,
        algorithms: ['RS256'],
        issuer: expectations.issuer,
        audience: expectations.audience,
        jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
        passReqToCallback: true,
      },
      (request: object, payload: Record<string, unknown>, done: (error: unknown, user?: unknown, info?: unknown) => void) => {
        late.validate!(payload).then(
          (user) => {
            verifiedPayloads.set(request, payload);
            done(null, user);
          },
          (error: unknown) => (error instanceof InsufficientClaimsError ? done(null, false, error) : done(error)),
        );
      },
    );
    late.validate = (payload) => this.validate(payload);
    this.passport.use('jwt', this);
  }

  /** Called with the verified payload: finds or creates the user it names. */
  async validate(payload: Record<string, unknown>): Promise<AuthenticatedUser> {
    checkTimeClaims(payload);
    return this.users.fromClaims(payload);
  }

  /**
   * Runs the strategy on one request, without sessions and without touching the response.
   * A token seen and accepted in the last minute (and not yet expired) is answered from
   * VerifiedTokens: no signature check, no user read.
   */
  authenticateRequest(request: object): Promise<AuthenticationOutcome> {
    const token = bearerToken(request);
    const known = token === null ? undefined : this.verifiedTokens.get(token);
    if (known) return Promise.resolve({ user: known });
    return new Promise((resolve) => {
      const middleware = this.passport.authenticate('jwt', { session: false }, (error: unknown, user: unknown, info: unknown) => {
        if (error) resolve({ error });
        else if (user) {
          const payload = verifiedPayloads.get(request);
          if (token !== null && payload && userMatchesClaims(user as AuthenticatedUser, payload)) {
            this.verifiedTokens.set(token, user as AuthenticatedUser, payload.exp as number);
          }
          resolve({ user: user as AuthenticatedUser });
        } else resolve({ reason: info });
      });
      middleware(request, {}, (error?: unknown) => resolve({ error: error ?? new Error('passport ended without a decision') }));
    });
  }
}

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** The verified payload of a request's token, from the verify callback to authenticateRequest. */
const verifiedPayloads = new WeakMap<object, Record<string, unknown>>();

/**
 * Whether the stored user is exactly what the token claims, i.e. presenting it again would
 * write nothing and bind nothing. Only then is it cached: a token whose verified e-mail is
 * held by someone else is re-examined on every request, so it gets the address once freed.
 */
function userMatchesClaims(user: AuthenticatedUser, payload: Record<string, unknown>): boolean {
  if (typeof payload.email !== 'string' || user.email !== payload.email.trim()) return false;
  if (typeof payload.name === 'string' && user.name !== payload.name) return false;
  if (payload.email_verified === undefined) return true;
  return user.emailVerified === (payload.email_verified === true || payload.email_verified === 'true');
}

/** A verified token's user is reused for at most this long (and never past the token's exp). */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKEN_CAPACITY = 10_000;

/**
 * Tokens recently verified, keyed by the exact token string, with the user they resolved
 * to: RS256 verification and the user read were about half the CPU of an authenticated
 * request. A token with other claims is another string, so it is verified and its user
 * row written as before. Least recently used entries go first beyond the capacity.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { user: AuthenticatedUser; until: number }>();

  constructor(
    private readonly capacity = VERIFIED_TOKEN_CAPACITY,
    private readonly ttlMs = VERIFIED_TOKEN_TTL_MS,
  ) {}

  get(token: string): AuthenticatedUser | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (entry.until <= Date.now()) return undefined;
    this.entries.set(token, entry);
    return entry.user;
  }

  set(token: string, user: AuthenticatedUser, expSeconds: number): void {
    const until = Math.min(expSeconds * 1000, Date.now() + this.ttlMs);
    if (!(until > Date.now())) return;
    this.entries.delete(token);
    this.entries.set(token, { user, until });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Expectations for tokens, from configuration: the local issuer's when it is active, the external one's otherwise. */
export function tokenExpectations(config: AppConfig): TokenExpectations {
  return { issuer: config.oidcIssuerUrl ?? config.publicUrl, audience: config.oidcAudience };
}
