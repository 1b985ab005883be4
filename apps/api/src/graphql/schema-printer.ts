import type { INestApplication } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';

const HEADER = '# Generated from the code-first types by `npm run schema:generate`. Do not edit.\n\n';

/** The committed schema.graphql text for a running app (sorted, so the file diffs cleanly). */
export function printGraphQLSchema(app: INestApplication): string {
  const { schema } = app.get(GraphQLSchemaHost);
  return `${HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;
}
