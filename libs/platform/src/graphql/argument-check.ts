import {
  Kind,
  TypeInfo,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import { AppError } from '../errors/app-error';
import { isUuid, textProblem } from '../validation/text';

/**
 * Extensions of an `ID` field or argument that is not a Rampart object id (e.g. a
 * rule id of the catalog): `@Extensions(NOT_A_UUID)` beside its `@Field(() => ID)`.
 */
export const NOT_A_UUID = { uuid: false } as const;

type Variables = Record<string, unknown> | null | undefined;

/**
 * Checks every argument value of a request — literals in the document and variables
 * alike, on root and nested fields, inside input objects, lists and JSON values —
 * before any guard or resolver runs:
 * - every text (and JSON key) must be storable: no NUL, no lone surrogate;
 * - every `ID` must be a UUID (unless marked NOT_A_UUID).
 * The first problem is a BAD_USER_INPUT naming the argument path (`input.scope.clusterIds[1]`).
 * Lone surrogates written literally in a document never get here: the GraphQL parser refuses them.
 */
export function checkArguments(schema: GraphQLSchema, document: DocumentNode, variables: Variables): void {
  const definitions = new Map<string, VariableDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      for (const v of definition.variableDefinitions ?? []) definitions.set(v.variable.name.value, v);
    }
  }
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (argument) checkNode(node.value, argument.type, node.name.value, uuidWanted(argument.extensions), variables, definitions);
        return false;
      },
    }),
  );
}

function uuidWanted(extensions: Readonly<Record<string, unknown>> | null | undefined): boolean {
  return extensions?.uuid !== false;
}

function checkNode(
  node: ValueNode,
  type: GraphQLInputType,
  path: string,
  uuid: boolean,
  variables: Variables,
  definitions: Map<string, VariableDefinitionNode>,
): void {
  const nullable = getNullableType(type);
  if (node.kind === Kind.VARIABLE) {
    const name = node.name.value;
    const value = variables?.[name];
    if (value !== undefined) return checkValue(value, type, path, uuid);
    const fallback = definitions.get(name)?.defaultValue;
    if (fallback) checkNode(fallback, type, path, uuid, variables, definitions);
    return;
  }
  if (node.kind === Kind.NULL) return;
  if (isListType(nullable)) {
    const item = nullable.ofType as GraphQLInputType;
    if (node.kind === Kind.LIST) node.values.forEach((v, i) => checkNode(v, item, `${path}[${i}]`, uuid, variables, definitions));
    else checkNode(node, item, path, uuid, variables, definitions);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (node.kind !== Kind.OBJECT) return;
    const fields = nullable.getFields();
    for (const field of node.fields) {
      const definition = fields[field.name.value];
      if (definition) checkNode(field.value, definition.type, `${path}.${field.name.value}`, uuidWanted(definition.extensions), variables, definitions);
    }
    return;
  }
  if (!isScalarType(nullable)) return;
  if (nullable.name === 'ID') {
    if (node.kind !== Kind.STRING && node.kind !== Kind.INT) return;
    checkText(node.value, path);
    if (uuid && !isUuid(node.value)) throw AppError.badInput(path, 'must be a UUID');
    return;
  }
  checkLiteralDeep(node, path, variables);
}

/** Strings (and object keys) anywhere in a literal of a String or custom scalar (JSON). */
function checkLiteralDeep(node: ValueNode, path: string, variables: Variables): void {
  switch (node.kind) {
    case Kind.STRING:
      return checkText(node.value, path);
    case Kind.LIST:
      checkListLength(node.values.length, path);
      return node.values.forEach((v, i) => checkLiteralDeep(v, `${path}[${i}]`, variables));
    case Kind.OBJECT:
      for (const field of node.fields) {
        checkText(field.name.value, path);
        checkLiteralDeep(field.value, `${path}.${field.name.value}`, variables);
      }
      return;
    case Kind.VARIABLE:
      // A variable inside a JSON literal: graphql-js substitutes its raw value.
      if (variables?.[node.name.value] !== undefined) checkJsonDeep(variables[node.name.value], path);
      return;
    default:
      return;
  }
}

/**
 * No field of the schema takes more than a few thousand items (the longest, a policy's
 * cluster list, takes 1,000), nor JSON nested deeper than a few levels. Checked here, on
 * the first walk over the values, so an oversized one costs one pass and never reaches
 * schema validation or a resolver.
 */
export const MAX_LIST_ITEMS = 10_000;
export const MAX_JSON_DEPTH = 32;

function checkListLength(length: number, path: string): void {
  if (length > MAX_LIST_ITEMS) throw AppError.badInput(path, `has ${length} items; no list takes more than ${MAX_LIST_ITEMS}`);
}

function checkValue(value: unknown, type: GraphQLInputType, path: string, uuid: boolean): void {
  if (value === null) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = nullable.ofType as GraphQLInputType;
    if (Array.isArray(value)) checkListLength(value.length, path);
    if (Array.isArray(value)) value.forEach((v, i) => checkValue(v, item, `${path}[${i}]`, uuid));
    else checkValue(value, item, path, uuid);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object' || Array.isArray(value)) return;
    const fields = nullable.getFields();
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      const definition = fields[name];
      if (definition) checkValue(v, definition.type, `${path}.${name}`, uuidWanted(definition.extensions));
    }
    return;
  }
  if (isScalarType(nullable) && nullable.name === 'ID') {
    if (typeof value === 'number') value = String(value);
    if (typeof value !== 'string') return;
    checkText(value as string, path);
    if (uuid && !isUuid(value)) throw AppError.badInput(path, 'must be a UUID');
    return;
  }
  checkJsonDeep(value, path);
}

function checkJsonDeep(value: unknown, path: string, depth = 0): void {
  if (typeof value === 'string') return checkText(value, path);
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_JSON_DEPTH) throw AppError.badInput(path, `is nested more than ${MAX_JSON_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    checkListLength(value.length, path);
    return value.forEach((v, i) => checkJsonDeep(v, `${path}[${i}]`, depth + 1));
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    checkText(key, path);
    checkJsonDeep(v, `${path}.${key}`, depth + 1);
  }
}

function checkText(value: string, path: string): void {
  const problem = textProblem(value);
  if (problem) throw AppError.badInput(path, problem);
}
