import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  type ASTVisitor,
  type DirectiveNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { AppConfig } from '../config/config';
import { MAX_PAGE_SIZE } from './connection';

/** `extensions.code` of every request refused before execution (parse, validation, limits). */
export const GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';

/** The page size `pageSize()` uses when a client omits `first`. */
export const DEFAULT_PAGE_SIZE = 20;

/** What an operation would cost to answer, measured on the document alone. */
export interface QueryMeasure {
  /** Deepest chain of nested fields: `{ me { user { id } } }` is 3. */
  depth: number;
  /** Estimated number of objects and values resolved (see `measureOperation`). */
  cost: number;
}

type Fragments = (name: string) => { typeCondition: { name: { value: string } }; selectionSet: SelectionSetNode } | undefined | null;

/**
 * Measures an operation without executing it.
 *
 * Cost: every field costs 1 (or its Nest `@Field({ complexity: n })`), plus its
 * children's cost times a multiplier — the page size for a field with a `first`
 * argument (default 20, clamped to 1…MAX_PAGE_SIZE), 20 for any other list of
 * objects, 1 otherwise. A connection's `edges` list is covered by the
 * connection's own `first` and is not multiplied again.
 *
 * A `first` given as a variable counts as MAX_PAGE_SIZE: Mercurius validates a
 * query text once and caches the verdict for every later request with that
 * text, whatever its variables, so the measure must hold for any of them.
 *
 * Introspection meta-fields (`__typename`, `__schema`, `__type`) cost nothing
 * and add no depth: they never reach a resolver or the database, and
 * introspection is refused altogether in production.
 */
export function measureOperation(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments): QueryMeasure {
  // Per fragment (its type condition is fixed): keeps "fragment bombs" linear and stops cycles.
  const memo = new Map<string, QueryMeasure>();
  const visiting = new Set<string>();

  const measureSelections = (parent: GraphQLCompositeType, selectionSet: SelectionSetNode): QueryMeasure => {
    let depth = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (isSkipped(selection.directives)) continue;
      let measure: QueryMeasure;
      if (selection.kind === Kind.FIELD) {
        measure = measureField(parent, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (!type || !isCompositeType(type)) continue;
        measure = measureSelections(type, selection.selectionSet);
      } else {
        const name = selection.name.value;
        const cached = memo.get(name);
        if (cached) {
          measure = cached;
        } else {
          const fragment = fragments(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          // Unknown fragments and cycles are reported by graphql-js's own rules.
          if (!fragment || !type || !isCompositeType(type) || visiting.has(name)) continue;
          visiting.add(name);
          measure = measureSelections(type, fragment.selectionSet);
          visiting.delete(name);
          memo.set(name, measure);
        }
      }
      // Sibling selections (including both arms of a union) all add up: an overestimate, never an under.
      depth = Math.max(depth, measure.depth);
      cost += measure.cost;
    }
    return { depth, cost };
  };

  const measureField = (parent: GraphQLCompositeType, node: FieldNode): QueryMeasure => {
    if (node.name.value.startsWith('__')) return { depth: 0, cost: 0 };
    const field = fieldOf(parent, node.name.value);
    // Unknown fields are reported by graphql-js's FieldsOnCorrectTypeRule.
    if (!field) return { depth: 0, cost: 0 };
    const own = typeof field.extensions?.complexity === 'number' ? field.extensions.complexity : 1;
    const type = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(type)) return { depth: 1, cost: own };
    const children = measureSelections(type, node.selectionSet);
    return { depth: 1 + children.depth, cost: own + multiplierOf(parent, field, node) * children.cost };
  };

  const root = schema.getRootType(operation.operation);
  return root ? measureSelections(root, operation.selectionSet) : { depth: 0, cost: 0 };
}

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function multiplierOf(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, node: FieldNode): number {
  if (field.args.some((arg) => arg.name === 'first')) {
    const given = node.arguments?.find((arg) => arg.name.value === 'first')?.value;
    if (!given || given.kind === Kind.NULL) return DEFAULT_PAGE_SIZE;
    if (given.kind !== Kind.INT) return MAX_PAGE_SIZE;
    return Math.min(Math.max(Number.parseInt(given.value, 10), 1), MAX_PAGE_SIZE);
  }
  if (isListType(getNullableType(field.type)) && !isConnection(parent)) return DEFAULT_PAGE_SIZE;
  return 1;
}

function isConnection(type: GraphQLCompositeType): boolean {
  if (!isObjectType(type)) return false;
  const fields = type.getFields();
  return 'edges' in fields && 'pageInfo' in fields;
}

/** `@skip(if: true)` / `@include(if: false)` written literally; a variable condition counts as included. */
function isSkipped(directives: readonly DirectiveNode[] | undefined): boolean {
  return (directives ?? []).some((directive) => {
    const condition = directive.arguments?.find((arg) => arg.name.value === 'if')?.value;
    if (condition?.kind !== Kind.BOOLEAN) return false;
    return (directive.name.value === 'skip' && condition.value) || (directive.name.value === 'include' && !condition.value);
  });
}

/** One rule per limit, so each reports its own measured value against its own setting. */
function limitRule(kind: 'depth' | 'cost', maximum: number, setting: string): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const measured = measureOperation(context.getSchema(), operation, (name) => context.getFragment(name))[kind];
      if (measured > maximum) {
        const name = operation.name ? ` ${operation.name.value}` : '';
        context.reportError(
          new GraphQLError(`Query${name} has ${kind} ${measured}, above the maximum of ${maximum} (${setting}).`, {
            nodes: [operation],
            extensions: { code: GRAPHQL_VALIDATION_FAILED, limit: setting, measured, maximum },
          }),
        );
      }
      return false;
    },
  });
}

export function maxDepthRule(maximum: number): ValidationRule {
  return limitRule('depth', maximum, 'GRAPHQL_MAX_DEPTH');
}

export function maxCostRule(maximum: number): ValidationRule {
  return limitRule('cost', maximum, 'GRAPHQL_MAX_COST');
}

/**
 * Validation rules added to graphql-js's own, so they run before any guard or
 * resolver — and Mercurius caches a refused query text as refused.
 *
 * These replace Mercurius's `queryDepth` option: one walk measures depth and
 * cost the same way (fragments, inline fragments, `@skip`), and the errors
 * share the shape and code of every other validation error.
 *
 * Mercurius ignores the Apollo-style `introspection` option, so production
 * refuses `__schema` / `__type` here (`__typename` stays allowed).
 */
export function graphqlValidationRules(config: Pick<AppConfig, 'nodeEnv' | 'graphqlMaxDepth' | 'graphqlMaxCost'>): ValidationRule[] {
  return [
    maxDepthRule(config.graphqlMaxDepth),
    maxCostRule(config.graphqlMaxCost),
    ...(config.nodeEnv === 'production' ? [NoSchemaIntrospectionCustomRule] : []),
  ];
}
