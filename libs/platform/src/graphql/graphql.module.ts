import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { type DocumentNode, type GraphQLError, type GraphQLSchema, Kind, validate } from 'graphql';
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

// Mercurius's own validation error (status 400, its `errors` formatted like graphql-js's
// validation errors); the package does not export its error classes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MER_ERR_GQL_VALIDATION } = require('mercurius/lib/errors') as { MER_ERR_GQL_VALIDATION: new () => Error & { errors?: readonly GraphQLError[] } };

function validationFailure(errors: readonly GraphQLError[]): Error {
  const error = new MER_ERR_GQL_VALIDATION();
  error.errors = errors;
  return error;
}

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
    useFactory: (config: AppConfig) => {
      const limits = graphqlValidationRules(config);
      return {
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
        // Parsing and graphql-js's own validation are linear-or-worse in the document's size and run before
        // any rule of ours: a token ceiling refuses a 600 KB alias flood while parsing, before it costs seconds.
        graphql: { parseOptions: { maxTokens: config.graphqlMaxTokens } },
        hooks: {
          // Our limits (root fields, aliases, depth, cost; no introspection in production) run
          // before graphql-js's own rules, not beside them: some of those (overlapping fields)
          // are quadratic in the number of fields, so a document our linear walk refuses must
          // never reach them. Refused like any validation error (400, GRAPHQL_VALIDATION_FAILED).
          preValidation: [
            async (schema: GraphQLSchema, document: DocumentNode) => {
              const errors = validate(schema, document, limits);
              if (errors.length > 0) throw validationFailure(errors);
            },
          ],
          // Before any guard or resolver: argument values (literals and variables) are checked,
          // and the operation name and root fields recorded for the access log and the metrics.
          preExecution: [
            async (schema: GraphQLSchema, document: DocumentNode, context: { reply?: { request?: object } }, variables?: Record<string, unknown>) => {
              if (context.reply?.request) observeExecution(document, context.reply.request);
              if (checkedDocuments.has(document)) return;
              checkArguments(schema, document, variables);
              if (!hasVariables(document)) checkedDocuments.add(document);
            },
          ],
        } as never,
      };
    },
  });
  return {
    module: RampartGraphQLModule,
    imports: [graphql],
    providers: [{ provide: APP_FILTER, useClass: GraphQLExceptionFilter }],
  };
}
