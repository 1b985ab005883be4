import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, AuditCheckpointJobName, QueueName, QueueRegistry, type SignCheckpointsPayload } from '@rampart/platform';

export const AUDIT_CHECKPOINT_SCHEDULER = 'audit:sign-checkpoints';

/** Registers the repeating checkpoint job once per deployment (idempotent across workers). */
@Injectable()
export class AuditCheckpointScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuditCheckpointScheduler.name);

  constructor(
    private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const data: SignCheckpointsPayload = { batchSize: 500 };
    try {
      await this.queues
        .get(QueueName.auditCheckpoints)
        .upsertJobScheduler(
          AUDIT_CHECKPOINT_SCHEDULER,
          { every: this.config.auditCheckpointEveryMs },
          { name: AuditCheckpointJobName.signCheckpoints, data },
        );
    } catch (error) {
      // Redis down at start: registered again at the next start of any worker.
      this.logger.warn(`could not register the change-log checkpoint schedule: ${(error as Error).message}`);
    }
  }
}
