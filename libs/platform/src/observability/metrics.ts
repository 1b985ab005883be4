import { Global, Injectable, Module } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry. Its own registry (not prom-client's global
 * one) so several app instances in one test process never collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'rampart_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'rampart_queue_jobs',
    help: 'Jobs per queue and state, read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  // GraphQL requests all share one HTTP route; these say which operations they were.
  // `field` is a root field of the schema (bounded); the client's operation name never is a label.
  readonly graphqlOperations = new Counter({
    name: 'rampart_graphql_operations_total',
    help: 'GraphQL operations by operation type, root field and outcome (ok, or error when the response carries errors)',
    labelNames: ['type', 'field', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlOperationDuration = new Histogram({
    name: 'rampart_graphql_operation_duration_seconds',
    help: 'Duration of the GraphQL requests that selected this root field',
    labelNames: ['type', 'field'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
    registers: [this.registry],
  });

  readonly graphqlErrors = new Counter({
    name: 'rampart_graphql_errors_total',
    help: 'GraphQL errors returned, by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rampart_' });
  }
}

@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
