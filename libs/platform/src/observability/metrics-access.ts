import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/config';

export type MetricsAccess = 'allowed' | 'unauthorized' | 'disabled';

const BEARER = /^Bearer[ \t]+(\S+)$/i;
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Who may scrape /metrics. Metrics name routes, queue depths and error rates: in
 * production only a scraper holding METRICS_TOKEN reads them, and without a
 * configured token the route is closed rather than public (the worker shares the
 * configuration: one token opens both processes' /metrics; it is not a start-up requirement).
 * Outside production the route stays open unless a token is configured.
 */
export function metricsAccess(config: Pick<AppConfig, 'nodeEnv' | 'metricsToken'>, authorization: string | string[] | undefined): MetricsAccess {
  if (!config.metricsToken) return config.nodeEnv === 'production' ? 'disabled' : 'allowed';
  const presented = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
  if (!presented) return 'unauthorized';
  // Digests have equal length, so the comparison takes the same time wherever they differ.
  return timingSafeEqual(digest(presented), digest(config.metricsToken)) ? 'allowed' : 'unauthorized';
}
