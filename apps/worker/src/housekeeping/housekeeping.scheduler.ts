import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  APP_CONFIG,
  type AppConfig,
  HousekeepingJobName,
  type PruneFinishedJobsPayload,
  QueueName,
  QueueRegistry,
} from '@rampart/platform';

const DAY_MS = 24 * 3600 * 1000;

/** Registers the repeating housekeeping job once per deployment (idempotent across workers). */
@Injectable()
export class HousekeepingScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(HousekeepingScheduler.name);

  constructor(
    private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const data: PruneFinishedJobsPayload = { olderThanMs: 7 * DAY_MS, limit: 10_000 };
    try {
      await this.queues
        .get(QueueName.housekeeping)
        .upsertJobScheduler(
          'housekeeping:prune-finished-jobs',
          { every: this.config.housekeepingEveryMs },
          { name: HousekeepingJobName.pruneFinishedJobs, data },
        );
    } catch (error) {
      // Redis down at start: the worker still starts and processes once Redis is back;
      // the scheduler is registered again at the next start of any worker.
      this.logger.warn(`could not register the housekeeping schedule: ${(error as Error).message}`);
    }
  }
}
