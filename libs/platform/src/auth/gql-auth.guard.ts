import { type CanActivate, type ExecutionContext, Injectable, InternalServerErrorException, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTH_REQUIRED_MESSAGE, INVALID_TOKEN_MESSAGE, UNAUTHENTICATED } from './authenticated-user';
import type { AuthenticatedUser } from './authenticated-user';
import { type AuthenticationOutcome, JwtStrategy } from './jwt.strategy';
import { IS_PUBLIC_KEY } from './public.decorator';
import { type AuthRequest, requestOf } from './request-of';

/**
 * One exception for both transports. As an HttpException it is a 401 with a
 * generic body over HTTP and is not logged as an application error by Nest; its
 * `extensions` are copied by graphql-js onto the GraphQL error, so clients see
 * `extensions.code = "UNAUTHENTICATED"` with or without a custom error formatter.
 */
export class UnauthenticatedException extends UnauthorizedException {
  readonly extensions = { code: UNAUTHENTICATED };

  constructor(message: string = AUTH_REQUIRED_MESSAGE) {
    super({ statusCode: 401, error: 'Unauthorized', code: UNAUTHENTICATED, message });
  }
}

/** Authentication could not run to a verdict (e.g. the database is down): a 500, masked like any other. */
class AuthInternalErrorException extends InternalServerErrorException {
  readonly extensions = { code: 'INTERNAL_SERVER_ERROR' };

  constructor() {
    super({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
  }
}

const BEARER = /^Bearer[ \t]+(\S.*)$/i;

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  return typeof reason === 'string' ? reason : JSON.stringify(reason ?? 'no reason given');
}

// A rejection caused by the issuer being unreachable is an operational problem
// worth a warning, unlike a bad token, which is routine and only worth debug.
const INFRASTRUCTURE_FAILURES = new Set(['OidcDiscoveryError', 'JwksError', 'JwksRateLimitError']);

/**
 * The global guard (GraphQL operations and HTTP routes alike): everything needs a
 * valid bearer token except what is marked @Public(). The caller only ever learns
 * that authentication failed, never why (expired, bad signature, unknown key…):
 * such detail helps an attacker probe tokens and helps no legitimate client.
 */
@Injectable()
export class GqlAuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;

    const request = requestOf(context);
    if (!request) {
      this.logger.debug('no HTTP request in this execution context: refusing');
      throw new UnauthenticatedException(AUTH_REQUIRED_MESSAGE);
    }
    if (!hasBearerToken(request)) throw new UnauthenticatedException(AUTH_REQUIRED_MESSAGE);

    const verdict = await this.verdictFor(request);
    if (verdict.user) {
      request.user = verdict.user;
      return true;
    }
    // A fresh exception per field: each becomes its own GraphQL error with its own path.
    throw verdict.internal ? new AuthInternalErrorException() : new UnauthenticatedException(INVALID_TOKEN_MESSAGE);
  }

  /**
   * The token is verified and its user resolved once per HTTP request: every root
   * field of a GraphQL operation (aliases included) passes this guard, and they run
   * concurrently, so the pending verdict itself is shared. Without this, N aliases
   * cost N signature checks and N user reads, and one request could drain the pool.
   * The WeakMap ties the verdict to the request object and never outlives it.
   */
  private verdictFor(request: AuthRequest): Promise<Verdict> {
    let verdict = verdicts.get(request);
    if (!verdict) {
      verdict = this.strategy.authenticateRequest(request).then((outcome) => this.judge(outcome));
      verdicts.set(request, verdict);
    }
    return verdict;
  }

  private judge(outcome: AuthenticationOutcome): Verdict {
    if (outcome.user) return { user: outcome.user };
    if ('error' in outcome) {
      this.logger.error(`authentication could not complete: ${describeReason(outcome.error)}`);
      return { internal: true };
    }
    const reason = describeReason(outcome.reason);
    if (outcome.reason instanceof Error && INFRASTRUCTURE_FAILURES.has(outcome.reason.name)) {
      this.logger.warn(`bearer token could not be verified: ${reason}`);
    } else {
      this.logger.debug(`bearer token rejected: ${reason}`);
    }
    return { internal: false };
  }
}

type Verdict = { user: AuthenticatedUser; internal?: undefined } | { user?: undefined; internal: boolean };

const verdicts = new WeakMap<object, Promise<Verdict>>();

function hasBearerToken(request: AuthRequest): boolean {
  const header = request.headers.authorization;
  return typeof header === 'string' && BEARER.test(header);
}
