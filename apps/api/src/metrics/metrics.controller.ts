import { Controller, Get, Header, Headers, HttpException, Inject, NotFoundException } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, MetricsService, Public, QueueRegistry, metricsAccess } from '@rampart/platform';

const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized'] as const;

// Scrapes come from the platform, without a user token: METRICS_TOKEN guards them instead (metrics-access.ts).
@Public()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Headers('authorization') authorization?: string): Promise<string> {
    const access = metricsAccess(this.config, authorization);
    // Closed in production without a token: answered as if the route did not exist.
    if (access === 'disabled') throw new NotFoundException('Cannot GET /metrics');
    if (access === 'unauthorized') {
      throw new HttpException({ statusCode: 401, error: 'Unauthorized', message: 'A valid metrics bearer token is required' }, 401);
    }
    await this.collectQueueCounts();
    return this.metrics.registry.metrics();
  }

  /** Queue depths are read at scrape time; an unreachable Redis leaves them out rather than failing the scrape. */
  private async collectQueueCounts(): Promise<void> {
    this.metrics.queueJobs.reset();
    await Promise.all(
      this.queues.all().map(async (queue) => {
        try {
          const counts = await Promise.race([
            queue.getJobCounts(...JOB_STATES),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 500).unref()),
          ]);
          for (const state of JOB_STATES) this.metrics.queueJobs.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          /* Redis down: readiness reports it */
        }
      }),
    );
  }
}
