import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { LoggerModule } from 'nestjs-pino';
import {
  APP_CONFIG,
  type AppConfig,
  AuthModule,
  ConfigModule,
  DbModule,
  MetricsModule,
  QueueModule,
  RedisModule,
  loggerParams,
  mercuriusErrorFormatter,
} from '@rampart/platform';
import { TenancyModule } from '@rampart/tenancy';
import { ApiInfoResolver } from './graphql/api-info.resolver';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';

@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => loggerParams(config, 'api') }),
    DbModule,
    RedisModule,
    QueueModule,
    MetricsModule,
    // Authentication first: its global guard sets req.user before TenancyModule's authorization guard reads it.
    AuthModule.forRoot(),
    TenancyModule,
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        graphiql: false,
        // graphql-jit compiles a query after its first use: Mercurius's main throughput advantage.
        jit: 1,
        allowBatchedQueries: false,
        context: (request: unknown) => ({ req: request }),
        errorFormatter: mercuriusErrorFormatter as never,
        introspection: config.nodeEnv !== 'production',
      }),
    }),
  ],
  controllers: [HealthController, MetricsController],
  providers: [ApiInfoResolver],
})
export class AppModule {}
