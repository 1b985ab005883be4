import { Controller, Get, Header } from '@nestjs/common';
import { MetricsService, Public, QueueRegistry } from '@rampart/platform';

const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized'] as const;

// Probes and scrapes come from the platform, without a user token.
@Public()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queues: QueueRegistry,
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
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
