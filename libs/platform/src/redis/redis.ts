import Redis, { RedisOptions } from 'ioredis';

/**
 * Connection options for BullMQ and our own clients. Commands fail fast while
 * Redis is down (no offline queue for our client) and reconnection never stops,
 * so a process survives a Redis outage and recovers when it returns.
 */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Required by BullMQ workers (blocking commands must not be retried by ioredis).
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
}

/**
 * Our own client (rate limits, quotas, readiness): short non-blocking commands only. Auto-pipelining
 * sends the commands issued while an earlier batch is in flight as one write: under load the rate
 * limits' per-request command cost a socket write(2) each, about a tenth of the API's CPU.
 */
export function createRedisClient(url: string, onError: (error: Error) => void): Redis {
  const client = new Redis({ ...redisOptions(url), enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, enableAutoPipelining: true });
  client.on('error', onError);
  return client;
}
