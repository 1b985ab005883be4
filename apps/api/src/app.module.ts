import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import {
  APP_CONFIG,
  type AppConfig,
  AuthModule,
  AuthzModule,
  ConfigModule,
  DbModule,
  MetricsModule,
  QueueModule,
  ReadinessModule,
  RateLimitModule,
  RedisModule,
  loggerParams,
  rampartGraphQLModule,
  withoutLoggerMiddleware,
} from '@rampart/platform';
import { EnforcementModule } from '@rampart/enforcement';
import { InventoryModule } from '@rampart/inventory';
import { PoliciesModule } from '@rampart/policies';
import { TenancyModule } from '@rampart/tenancy';
import { ApiInfoResolver } from './graphql/api-info.resolver';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';

@Module({
  imports: [
    ConfigModule,
    // Requests are logged from a Fastify hook (registerRequestLogging in createApp), not Nest middleware.
    LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => withoutLoggerMiddleware(loggerParams(config, 'api')) }),
    DbModule,
    RedisModule,
    QueueModule,
    MetricsModule,
    ReadinessModule,
    // Authentication first: its global guard sets req.user before the authorization guard reads it.
    AuthModule.forRoot(),
    // Per-principal budget between the two: only verified callers are charged, before any authorization query.
    RateLimitModule,
    AuthzModule,
    TenancyModule,
    InventoryModule,
    PoliciesModule,
    EnforcementModule,
    rampartGraphQLModule(),
  ],
  controllers: [HealthController, MetricsController],
  providers: [ApiInfoResolver],
})
export class AppModule {}
