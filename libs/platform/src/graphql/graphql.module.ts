import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { type DocumentNode, type GraphQLSchema, Kind } from 'graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { graphqlErrorFormatter } from './error-formatter';
import { GraphQLExceptionFilter } from './graphql-exception.filter';
import { observeExecution } from './graphql-observation';
import { graphqlValidationRules } from './graphql-limits';
import { checkArguments } from './argument-check';

@Module({})
class RampartGraphQLModule {}

function hasVariables(document: DocumentNode): boolean {
  return document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && (d.variableDefinitions?.length ?? 0) > 0);
}

/**
 * The GraphQL endpoint exactly as the API serves it (Mercurius, code-first), so the
 * application and test-only applications cannot drift apart.
 */
export function rampartGraphQLModule(): DynamicModule {
  // Mercurius hands the same parsed document to every request with the same query text (its LRU
  // cache, one per application), and a document without variables checks the same way every time:
  // checked once instead of per request (a full typed visit, a few percent of a trivial query's cost).
  const checkedDocuments = new WeakSet<DocumentNode>();
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
      // Parsing and graphql-js's own validation are linear-or-worse in the document's size and run before
      // any rule of ours: a token ceiling refuses a 600 KB alias flood while parsing, before it costs seconds.
      graphql: { parseOptions: { maxTokens: config.graphqlMaxTokens } },
      // Before any guard or resolver: argument values (literals and variables) are checked,
      // and the operation name and root fields recorded for the access log and the metrics.
      hooks: {
        preExecution: [
          async (schema: GraphQLSchema, document: DocumentNode, context: { reply?: { request?: object } }, variables?: Record<string, unknown>) => {
            if (context.reply?.request) observeExecution(document, context.reply.request);
            if (checkedDocuments.has(document)) return;
            checkArguments(schema, document, variables);
            if (!hasVariables(document)) checkedDocuments.add(document);
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
