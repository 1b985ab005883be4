import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { LoggerModule } from 'nestjs-pino';
import {
  APP_CONFIG,
  type AppConfig,
  ConfigModule,
  DbModule,
  MetricsModule,
  QueueModule,
  RedisModule,
  loggerParams,
} from '@rampart/platform';
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
        introspection: config.nodeEnv !== 'production',
      }),
    }),
  ],
  controllers: [HealthController, MetricsController],
  providers: [ApiInfoResolver],
})
export class AppModule {}
