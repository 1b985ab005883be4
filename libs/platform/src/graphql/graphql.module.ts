import { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { graphqlErrorFormatter } from './error-formatter';
import { graphqlValidationRules } from './graphql-limits';

/**
 * The GraphQL endpoint exactly as the API serves it (Mercurius, code-first), so the
 * application and test-only applications cannot drift apart.
 */
export function rampartGraphQLModule(): DynamicModule {
  return GraphQLModule.forRootAsync<MercuriusDriverConfig>({
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
      errorFormatter: graphqlErrorFormatter(config) as never,
      // Depth and cost limits, and no introspection in production: checked before any resolver runs.
      validationRules: graphqlValidationRules(config),
      // Parsing and graphql-js's own validation are linear-or-worse in the document's size and run before
      // any rule of ours: a token ceiling refuses a 600 KB alias flood while parsing, before it costs seconds.
      graphql: { parseOptions: { maxTokens: config.graphqlMaxTokens } },
    }),
  });
}
