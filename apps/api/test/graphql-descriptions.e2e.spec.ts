import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { useTestEnvironment } from '@rampart/testing';
import {
  type GraphQLArgument,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
} from 'graphql';
import { createApp } from '../src/create-app';

const described = (description: string | null | undefined): boolean => (description ?? '').trim() !== '';

/**
 * Schema coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`,
 * `@directive`) that have no description. Skipped: graphql-js's own scalars,
 * introspection types and directives, and the descriptions of the root types
 * themselves (code-first Nest cannot give Query/Mutation one; their fields are checked).
 */
export function undescribedCoordinates(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean));
  const checkArgs = (coordinate: string, args: readonly GraphQLArgument[]) => {
    for (const arg of args) if (!described(arg.description)) missing.push(`${coordinate}(${arg.name}:)`);
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (!roots.has(type as never) && !described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
        checkArgs(`${type.name}.${field.name}`, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    if (!described(directive.description)) missing.push(`@${directive.name}`);
    checkArgs(`@${directive.name}`, directive.args);
  }
  return missing.sort();
}

describe('GraphQL schema descriptions', () => {
  useTestEnvironment();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createApp();
    await app.init();
  });
  afterAll(() => app?.close());

  it('describes every type, field, argument, input field and enum value (the list names what lacks one)', () => {
    const { schema } = app.get(GraphQLSchemaHost);
    expect(undescribedCoordinates(schema)).toEqual([]);
  });

  it('the walk finds what lacks a description (so an empty list above means something)', async () => {
    const { buildSchema } = await import('graphql');
    const schema = buildSchema(`
      "Root." type Query { "Described." a(x: Int): T  b: Role }
      type T { "Described." id: ID! name: String }
      "Roles." enum Role { "Described." ADMIN READER }
      input I { "Described." x: Int y: Int }
      "Root." type Mutation { "Described." m("Described." i: I): Int }
      scalar Custom
      directive @tag(name: String) on FIELD_DEFINITION
    `);
    expect(undescribedCoordinates(schema)).toEqual([
      '@tag',
      '@tag(name:)',
      'Custom',
      'I',
      'I.y',
      'Query.a(x:)',
      'Query.b',
      'Role.READER',
      'T',
      'T.name',
    ]);
  });
});
