import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { MetricsService } from '@rampart/platform';
import type { Job, Worker } from 'bullmq';
import { Counter, Histogram } from 'prom-client';

/** Jobs finished by this worker, per queue and outcome, for every processor (found through Nest's discovery). */
@Injectable()
export class WorkerJobMetrics implements OnApplicationBootstrap {
  private readonly jobs: Counter<'queue' | 'outcome'>;
  private readonly duration: Histogram<'queue' | 'outcome'>;

  constructor(
    private readonly discovery: DiscoveryService,
    metrics: MetricsService,
  ) {
    this.jobs = new Counter({
      name: 'rampart_worker_jobs_total',
      help: 'Jobs this worker finished, by queue and outcome (completed or failed)',
      labelNames: ['queue', 'outcome'] as const,
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'rampart_worker_job_duration_seconds',
      help: 'Time from a job being taken to it finishing, by queue and outcome',
      labelNames: ['queue', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!(instance instanceof WorkerHost)) continue;
      const worker = instance.worker as Worker;
      worker.on('completed', (job: Job) => this.record(worker.name, 'completed', job));
      worker.on('failed', (job: Job | undefined) => job && this.record(worker.name, 'failed', job));
    }
  }

  private record(queue: string, outcome: 'completed' | 'failed', job: Job): void {
    this.jobs.inc({ queue, outcome });
    if (job.processedOn && job.finishedOn) this.duration.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
  }
}
