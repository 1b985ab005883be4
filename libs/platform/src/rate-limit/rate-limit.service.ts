import { type ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError, ErrorCode } from '../errors/app-error';
import { REDIS } from '../redis/redis.module';
import { SpentBudgets } from './in-flight-limit';

/** How many requests one key may make per window. */
export interface Budget {
  limit: number;
  windowMs: number;
}

export interface RateVerdict {
  allowed: boolean;
  /** Seconds until the window of this key ends (at least 1 when refused). */
  retryAfterSeconds: number;
}

/**
 * Who is counted. `principal` (an authenticated user id) and `tenant` (the tenant an
 * operation targets, once authorized) are configured; other kinds (a sensor's cluster,
 * later) bring their own budget. The kind is part of the key, so ids never collide.
 */
export type BudgetKind = 'principal' | 'tenant' | (string & {});

// One fixed window per key: the first request of a window sets its expiry, every
// request increments; atomic in Redis, so replicas of the API share one count.
const CONSUME = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}
`;

type RedisWithConsume = Redis & { rampartRateLimit(key: string, windowMs: number): Promise<[number, number]> };

/** The caller went over a budget: `RATE_LIMITED`, HTTP 429 with Retry-After. */
export class RateLimitedError extends AppError {
  constructor(kind: BudgetKind, budget: Budget, readonly retryAfterSeconds: number) {
    super(
      ErrorCode.RATE_LIMITED,
      `Rate limit exceeded for this ${kind}: at most ${budget.limit} requests per ${Math.round(budget.windowMs / 1000)} s; retry in ${retryAfterSeconds} s`,
      undefined,
      { limit: kind, maximum: budget.limit, windowSeconds: Math.round(budget.windowMs / 1000), retryAfter: retryAfterSeconds },
    );
  }
}

/** The same refusal for a REST route: Nest answers an HttpException with its status and body. */
export class RateLimitedHttpException extends HttpException {
  constructor(error: RateLimitedError) {
    super({ statusCode: 429, code: ErrorCode.RATE_LIMITED, message: error.message, ...error.details }, 429);
  }
}

interface ReplyLike {
  header(name: string, value: string | number): unknown;
}

/**
 * Request budgets counted in Redis, under the configured key prefix (so tests with
 * their own prefix never share a count). A request is charged at most once per
 * (kind, id) however many GraphQL root fields it has.
 *
 * Redis down → fail open, deliberately: these budgets protect capacity, and refusing
 * every request while Redis is away would turn a Redis outage into a full API outage
 * (and a trivial way to cause one). The per-request caps (root fields, aliases, cost,
 * body size) still bound each request meanwhile, /readyz reports Redis as failing,
 * and a warning is logged once per outage.
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger('RateLimit');
  private readonly charged = new WeakMap<object, Map<string, Promise<RateVerdict>>>();
  private failing = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly spent: SpentBudgets,
  ) {
    if (!('rampartRateLimit' in redis)) redis.defineCommand('rampartRateLimit', { numberOfKeys: 1, lua: CONSUME });
  }

  /** The configured budget of a kind; undefined for kinds that bring their own. */
  budgetOf(kind: BudgetKind): Budget | undefined {
    const { windowMs, perPrincipal, perTenant } = this.config.rateLimits;
    if (kind === 'principal') return { limit: perPrincipal, windowMs };
    if (kind === 'tenant') return { limit: perTenant, windowMs };
    return undefined;
  }

  keyOf(kind: BudgetKind, id: string): string {
    return `${this.config.queuePrefix}:ratelimit:${kind}:${id}`;
  }

  /** Counts one request against `kind:id`. */
  async consume(kind: BudgetKind, id: string, budget: Budget): Promise<RateVerdict> {
    try {
      const [count, ttl] = await (this.redis as RedisWithConsume).rampartRateLimit(this.keyOf(kind, id), budget.windowMs);
      if (this.failing) this.logger.log('Redis answers again: rate limits apply again');
      this.failing = false;
      return { allowed: count <= budget.limit, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    } catch (error) {
      if (!this.failing) this.logger.warn(`rate limits not applied while Redis fails: ${(error as Error).message}`);
      this.failing = true;
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }

  /**
   * Charges the request behind `context` (a GraphQL operation or a REST route) once
   * for `kind:id`, and refuses it when the budget is spent: RATE_LIMITED with
   * Retry-After, status 429 (GraphQL: see the error formatter).
   */
  async enforce(context: ExecutionContext, kind: BudgetKind, id: string, budget: Budget | undefined = this.budgetOf(kind)): Promise<void> {
    if (!budget) throw new Error(`no rate-limit budget for ${kind}`);
    const { request, reply } = transportOf(context);
    if (!request) return;
    let perRequest = this.charged.get(request);
    if (!perRequest) {
      perRequest = new Map();
      this.charged.set(request, perRequest);
    }
    const key = `${kind}:${id}`;
    let verdict = perRequest.get(key);
    if (!verdict) {
      verdict = this.consume(kind, id, budget);
      perRequest.set(key, verdict);
    }
    const { allowed, retryAfterSeconds } = await verdict;
    if (allowed) return;
    // The token's holder has spent their own budget: refuse its next requests before they cost anything.
    if (kind === 'principal') this.spent.markSpent((request as { headers?: Record<string, unknown> }).headers?.authorization, retryAfterSeconds);
    reply?.header('retry-after', retryAfterSeconds);
    const error = new RateLimitedError(kind, budget, retryAfterSeconds);
    throw context.getType<GqlContextType>() === 'graphql' ? error : new RateLimitedHttpException(error);
  }
}

function transportOf(context: ExecutionContext): { request?: object; reply?: ReplyLike } {
  const type = context.getType<GqlContextType>();
  if (type === 'http') {
    const http = context.switchToHttp();
    return { request: http.getRequest<object>(), reply: http.getResponse<ReplyLike>() };
  }
  if (type === 'graphql') {
    const gql = GqlExecutionContext.create(context).getContext<{ req?: object; reply?: ReplyLike & { request?: object } }>();
    return { request: gql?.req ?? gql?.reply?.request, reply: gql?.reply };
  }
  return {};
}
