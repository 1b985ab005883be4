import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { DocumentNode } from 'graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { graphqlErrorFormatter } from './error-formatter';
import { GraphQLExceptionFilter } from './graphql-exception.filter';
import { observeExecution } from './graphql-observation';
import { graphqlValidationRules } from './graphql-limits';

@Module({})
class RampartGraphQLModule {}

/**
 * The GraphQL endpoint exactly as the API serves it (Mercurius, code-first), so the
 * application and test-only applications cannot drift apart.
 */
export function rampartGraphQLModule(): DynamicModule {
  const graphql = GraphQLModule.forRootAsync<MercuriusDriverConfig>({
    driver: MercuriusDriver,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({
      path: '/graphql',
      autoSchemaFile: true,
      sortSchema: true,
      // The in-browser IDE at /graphiql, for whoever develops against a local API; never elsewhere.
      graphiql: config.nodeEnv === 'development',
      // graphql-jit compiles a query after its first use: Mercurius's main throughput advantage.
      jit: 1,
      allowBatchedQueries: false,
      context: (request: unknown) => ({ req: request }),
      errorFormatter: graphqlErrorFormatter(config) as never,
      // Depth and cost limits, and no introspection in production: checked before any resolver runs.
      validationRules: graphqlValidationRules(config),
      // Operation name and root fields for the access log and the per-operation metrics.
      hooks: {
        preExecution: [
          async (_schema: unknown, document: DocumentNode, context: { reply?: { request?: object } }) => {
            if (context.reply?.request) observeExecution(document, context.reply.request);
          },
        ],
      } as never,
    }),
  });
  return {
    module: RampartGraphQLModule,
    imports: [graphql],
    providers: [{ provide: APP_FILTER, useClass: GraphQLExceptionFilter }],
  };
}
