import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import {
  DrainingWorkerHost,
  HousekeepingJobName,
  type PruneFinishedJobsPayload,
  type PruneFinishedJobsResult,
  QueueName,
  QueueRegistry,
} from '@rampart/platform';
import type { Job } from 'bullmq';

/**
 * Keeps Redis bounded: it runs with `maxmemory-policy noeviction`, so finished jobs
 * that outlive their retention must be removed by us, not by eviction.
 */
@Processor(QueueName.housekeeping)
export class HousekeepingProcessor extends DrainingWorkerHost {
  private readonly logger = new Logger(HousekeepingProcessor.name);

  constructor(private readonly queues: QueueRegistry) {
    super();
  }

  async process(job: Job<PruneFinishedJobsPayload>): Promise<PruneFinishedJobsResult> {
    switch (job.name) {
      case HousekeepingJobName.pruneFinishedJobs:
        return this.pruneFinishedJobs(job.data);
      default:
        // Unknown names fail loudly (and are retried, then kept as failed) instead of vanishing.
        throw new Error(`unknown housekeeping job "${job.name}"`);
    }
  }

  private async pruneFinishedJobs({ olderThanMs, limit }: PruneFinishedJobsPayload): Promise<PruneFinishedJobsResult> {
    const removed: PruneFinishedJobsResult['removed'] = {};
    for (const queue of this.queues.all()) {
      const completed = await queue.clean(olderThanMs, limit, 'completed');
      const failed = await queue.clean(olderThanMs, limit, 'failed');
      removed[queue.name] = { completed: completed.length, failed: failed.length };
    }
    this.logger.log({ removed }, 'pruned finished jobs');
    return { removed };
  }
}
