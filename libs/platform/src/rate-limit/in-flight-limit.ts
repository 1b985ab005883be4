import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../errors/app-error';

/** Probes and scrapes come from the platform and must never be refused. */
const EXEMPT = /^\/(healthz|readyz|metrics)(?:[/?]|$)/;

/**
 * Who a request's in-flight slot belongs to: its bearer token (hashed; never verified
 * here, which is fine — only the holder of a token can present it, so nobody can spend
 * another caller's slots), else its IP address.
 */
function holderOf(request: FastifyRequest): string {
  return tokenKeyOf(request.headers.authorization) ?? `ip:${request.ip}`;
}

function tokenKeyOf(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string' || authorization.length === 0) return undefined;
  return `token:${createHash('sha256').update(authorization).digest('base64url')}`;
}

const MAX_REMEMBERED = 10_000;

/**
 * Bearer tokens whose holder has spent their per-principal budget, with the time it
 * refills, remembered in this process: their next requests are refused before anything
 * else runs (no body parsing, no GraphQL, no Redis), so a caller hammering on after its
 * 429 costs almost nothing. Only the holder of a token can present it, so nobody can get
 * another caller's token refused. Bounded: past 10,000 tokens the ones refilled first go.
 */
export class SpentBudgets {
  private readonly until = new Map<string, number>();

  markSpent(authorization: unknown, retryAfterSeconds: number, now = Date.now()): void {
    const key = tokenKeyOf(authorization);
    if (!key || retryAfterSeconds <= 0) return;
    this.until.delete(key);
    this.until.set(key, now + retryAfterSeconds * 1000);
    if (this.until.size <= MAX_REMEMBERED) return;
    for (const [k, refill] of this.until) {
      if (refill <= now || this.until.size > MAX_REMEMBERED) this.until.delete(k);
      else break;
    }
  }

  /** Seconds until the token's budget refills; 0 when it is not known to be spent. */
  retryAfter(authorization: unknown, now = Date.now()): number {
    const key = tokenKeyOf(authorization);
    const refill = key ? this.until.get(key) : undefined;
    if (refill === undefined) return 0;
    if (refill <= now) {
      this.until.delete(key!);
      return 0;
    }
    return Math.ceil((refill - now) / 1000);
  }
}

/**
 * How long an early refusal is held before it is sent. A caller that keeps requesting
 * regardless of 429s gets at most one answer per connection per second, instead of as
 * many refusals as the event loop can produce — each of which would delay every other
 * tenant's request a little. A held refusal costs a timer. A client that honours
 * Retry-After waits at least that long anyway.
 */
export const REFUSAL_HOLD_MS = 1_000;

async function refuse(request: FastifyRequest, reply: FastifyReply, message: string, details: Record<string, unknown>, retryAfter: number) {
  await new Promise((resolve) => setTimeout(resolve, REFUSAL_HOLD_MS).unref());
  reply.code(429).header('retry-after', retryAfter);
  // GraphQL clients read errors[].extensions.code; other clients the body's code.
  const body =
    request.url.split('?')[0] === '/graphql'
      ? { data: null, errors: [{ message, extensions: { code: ErrorCode.RATE_LIMITED, ...details } }] }
      : { statusCode: 429, code: ErrorCode.RATE_LIMITED, message, ...details };
  return reply.send(body);
}

/**
 * At most `maximum` requests of one caller in progress at once, in this process. The
 * per-minute budgets bound how much a caller asks for; this bounds how much of the one
 * event loop it holds at any moment, so a client firing 50 requests in parallel waits for
 * its own earlier answers instead of queueing in front of every other tenant's request.
 * Counted before anything else runs (a refusal costs a hash and a map look-up) and released
 * when the response is finished or the connection drops, whichever comes first.
 */
export function registerInFlightLimit(server: object, maximum: number, spent?: SpentBudgets): void {
  // Nest's Fastify adapter brings its own copy of fastify's types.
  const fastify = server as FastifyInstance;
  const inFlight = new Map<string, number>();
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (EXEMPT.test(request.url)) return;
    const refill = spent?.retryAfter(request.headers.authorization) ?? 0;
    if (refill > 0) {
      const message = `Rate limit exceeded for this principal; retry in ${refill} s`;
      return refuse(request, reply, message, { limit: 'principal', retryAfter: refill }, refill);
    }
    const holder = holderOf(request);
    const current = inFlight.get(holder) ?? 0;
    if (current >= maximum) {
      const message = `Too many requests in progress for this caller: at most ${maximum} at once; retry when an earlier one has its answer`;
      return refuse(request, reply, message, { limit: 'in-flight', maximum, retryAfter: 1 }, 1);
    }
    inFlight.set(holder, current + 1);
    let released = false;
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      const left = (inFlight.get(holder) ?? 1) - 1;
      if (left <= 0) inFlight.delete(holder);
      else inFlight.set(holder, left);
    });
  });
}
