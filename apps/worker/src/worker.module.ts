import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import {
  APP_CONFIG,
  type AppConfig,
  AuditCheckpointService,
  ConfigModule,
  DbModule,
  MetricsModule,
  QueueModule,
  ReadinessModule,
  RedisModule,
  loggerParams,
} from '@rampart/platform';
import { AuditCheckpointProcessor } from './audit/audit-checkpoint.processor';
import { AuditCheckpointScheduler } from './audit/audit-checkpoint.scheduler';
import { HousekeepingProcessor } from './housekeeping/housekeeping.processor';
import { HousekeepingScheduler } from './housekeeping/housekeeping.scheduler';
import { WorkerHttpServer } from './http/worker-http.server';
import { WorkerJobMetrics } from './http/worker-job-metrics';

/** The worker: BullMQ processors in a Nest application context; HTTP only for probes and metrics (WorkerHttpServer). */
@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => loggerParams(config, 'worker') }),
    DbModule,
    RedisModule,
    QueueModule,
    MetricsModule,
    ReadinessModule,
    DiscoveryModule,
  ],
  providers: [
    HousekeepingProcessor,
    HousekeepingScheduler,
    AuditCheckpointService,
    AuditCheckpointProcessor,
    AuditCheckpointScheduler,
    WorkerHttpServer,
    WorkerJobMetrics,
  ],
})
export class WorkerModule {}
