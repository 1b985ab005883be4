import { Processor } from '@nestjs/bullmq';
import { Inject, Logger, type OnModuleInit } from '@nestjs/common';
import {
  APP_CONFIG,
  type AppConfig,
  AuditCheckpointJobName,
  AuditCheckpointService,
  type AuditSigningKey,
  type AuditVerifyKey,
  DrainingWorkerHost,
  QueueName,
  type SignCheckpointsPayload,
  type SignCheckpointsResult,
  auditSigningKey,
  auditVerifyKeys,
  isUuid,
} from '@rampart/platform';
import type { Job } from 'bullmq';

/**
 * Signs each tenant's change-log head with the checkpoint key (a file, never the
 * database), so a later rewrite of the log — even with every hash recomputed — no
 * longer matches a signature and `audit:verify` names it.
 */
@Processor(QueueName.auditCheckpoints)
export class AuditCheckpointProcessor extends DrainingWorkerHost implements OnModuleInit {
  private readonly logger = new Logger(AuditCheckpointProcessor.name);
  private key!: AuditSigningKey;
  private verifyKeys: AuditVerifyKey[] = [];

  constructor(
    private readonly checkpoints: AuditCheckpointService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /** A worker without its key must not start (in production the file is required, never made up). */
  async onModuleInit(): Promise<void> {
    this.key = await auditSigningKey(this.config);
    this.verifyKeys = await auditVerifyKeys(this.config);
    this.logger.log({ keyId: this.key.keyId }, 'change-log checkpoint key loaded');
  }

  async process(job: Job<SignCheckpointsPayload>): Promise<SignCheckpointsResult> {
    switch (job.name) {
      case AuditCheckpointJobName.signCheckpoints:
        return this.signCheckpoints(job.data);
      default:
        throw new Error(`unknown audit checkpoint job "${job.name}"`);
    }
  }

  private async signCheckpoints({ tenantId, batchSize }: SignCheckpointsPayload): Promise<SignCheckpointsResult> {
    if (tenantId !== undefined && !isUuid(tenantId)) throw new Error('sign-checkpoints: tenantId must be a UUID');
    const outcomes = tenantId
      ? [await this.checkpoints.checkpointTenant(tenantId, this.key, this.verifyKeys)]
      : await this.checkpoints.checkpointAll(this.key, this.verifyKeys, batchSize);
    const result: SignCheckpointsResult = { signed: 0, upToDate: 0, refused: [] };
    for (const outcome of outcomes) {
      if (outcome.status === 'signed') result.signed += 1;
      else if (outcome.status === 'up-to-date') result.upToDate += 1;
      else if (result.refused.length < 100) result.refused.push({ tenantId: outcome.tenantId, reason: outcome.reason });
    }
    this.logger.log({ signed: result.signed, upToDate: result.upToDate, refused: result.refused.length }, 'change-log checkpoints');
    return result;
  }
}
