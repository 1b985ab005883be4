import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import {
  APP_CONFIG,
  type AppConfig,
  AuditCheckpointService,
  ConfigModule,
  DbModule,
  MetricsModule,
  QueueModule,
  RedisModule,
  loggerParams,
} from '@rampart/platform';
import { AuditCheckpointProcessor } from './audit/audit-checkpoint.processor';
import { AuditCheckpointScheduler } from './audit/audit-checkpoint.scheduler';
import { HousekeepingProcessor } from './housekeeping/housekeeping.processor';
import { HousekeepingScheduler } from './housekeeping/housekeeping.scheduler';

/** The worker: BullMQ processors in a Nest application context, no HTTP server. */
@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => loggerParams(config, 'worker') }),
    DbModule,
    RedisModule,
    QueueModule,
    MetricsModule,
  ],
  providers: [HousekeepingProcessor, HousekeepingScheduler, AuditCheckpointService, AuditCheckpointProcessor, AuditCheckpointScheduler],
})
export class WorkerModule {}
