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
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    return `token:${createHash('sha256').update(authorization).digest('base64url')}`;
  }
  return `ip:${request.ip}`;
}

/**
 * At most `maximum` requests of one caller in progress at once, in this process. The
 * per-minute budgets bound how much a caller asks for; this bounds how much of the one
 * event loop it holds at any moment, so a client firing 50 requests in parallel waits for
 * its own earlier answers instead of queueing in front of every other tenant's request.
 * Counted before anything else runs (a refusal costs a hash and a map look-up) and released
 * when the response is finished or the connection drops, whichever comes first.
 */
export function registerInFlightLimit(server: object, maximum: number): void {
  // Nest's Fastify adapter brings its own copy of fastify's types.
  const fastify = server as FastifyInstance;
  const inFlight = new Map<string, number>();
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (EXEMPT.test(request.url)) return;
    const holder = holderOf(request);
    const current = inFlight.get(holder) ?? 0;
    if (current >= maximum) {
      const message = `Too many requests in progress for this caller: at most ${maximum} at once; retry when an earlier one has its answer`;
      const details = { limit: 'in-flight', maximum, retryAfter: 1 };
      reply.code(429).header('retry-after', 1);
      const body =
        request.url.split('?')[0] === '/graphql'
          ? { data: null, errors: [{ message, extensions: { code: ErrorCode.RATE_LIMITED, ...details } }] }
          : { statusCode: 429, code: ErrorCode.RATE_LIMITED, message, ...details };
      return reply.send(body);
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
