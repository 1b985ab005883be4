import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/config';
import { ErrorCode } from '../errors/app-error';

/** Probes and scrapes come from the platform, often from one address, and must never be refused. */
const EXEMPT = /^\/(healthz|readyz|metrics)(?:[/?]|$)/;

/**
 * The per-IP budget, before anything else runs (authentication included):
 * @fastify/rate-limit counting in Redis under the configured prefix. Redis down →
 * the request passes (`skipOnError`), for the reasons given in RateLimitService.
 * Behind a proxy, `request.ip` is the proxy's unless Fastify's trustProxy is set.
 */
export async function registerIpRateLimit(server: object, config: AppConfig, redis: Redis): Promise<void> {
  // Nest's Fastify adapter brings its own copy of fastify's types, which @fastify/rate-limit does not augment.
  const fastify = server as FastifyInstance;
  const { windowMs, perIp } = config.rateLimits;
  await fastify.register(fastifyRateLimit, {
    global: false,
    max: perIp,
    timeWindow: windowMs,
    redis,
    nameSpace: `${config.queuePrefix}:ratelimit:ip:`,
    skipOnError: true,
    keyGenerator: (request: FastifyRequest) => request.ip,
  });
  const check = fastify.createRateLimit();
  fastify.addHook('onRequest', async (request, reply) => {
    if (EXEMPT.test(request.url)) return;
    const verdict = await check(request);
    if (verdict.isAllowed || !verdict.isExceeded) return;
    const retryAfter = Math.max(1, verdict.ttlInSeconds);
    const message = `Rate limit exceeded for this IP address: at most ${perIp} requests per ${Math.round(windowMs / 1000)} s; retry in ${retryAfter} s`;
    const details = { limit: 'ip', maximum: perIp, windowSeconds: Math.round(windowMs / 1000), retryAfter };
    reply.code(429).header('retry-after', retryAfter);
    // GraphQL clients read errors[].extensions.code; other clients the body's code.
    const body = request.url.split('?')[0] === '/graphql'
      ? { data: null, errors: [{ message, extensions: { code: ErrorCode.RATE_LIMITED, ...details } }] }
      : { statusCode: 429, code: ErrorCode.RATE_LIMITED, message, ...details };
    return reply.send(body);
  });
}
