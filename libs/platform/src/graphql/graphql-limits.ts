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
  /** Root fields that would run: distinct response names (aliases included) at the root, `__typename` aside. */
  rootFields: number;
  /** Aliased fields anywhere in the operation, a fragment counted once per spread. */
  aliases: number;
  /**
   * The `first` arguments (given or defaulted) that weigh most in `cost`, heaviest first:
   * where a client should lower a page size when the cost limit refuses its query.
   */
  pageSizes: PageSizeWeight[];
}

/** One field whose `first` multiplies the cost of its children. */
export interface PageSizeWeight {
  /** Response path from the root, aliases as written: `me.roleAssignments.tenant.policies`. */
  path: string;
  /** The page size the measure assumed (the given `first`, the default, or MAX_PAGE_SIZE for a variable). */
  first: number;
  /** How much `cost` would fall with `first: 1` there. */
  weight: number;
}

export interface MeasureOptions {
  /** Added to the cost of every root field: each one is a separate trip through guards and resolvers. */
  rootFieldCost?: number;
}

/** Enough page-size hints to act on; keeping only these keeps the walk linear on fragment-heavy documents. */
const PAGE_SIZE_HINTS = 3;

type Fragments = (name: string) => { typeCondition: { name: { value: string } }; selectionSet: SelectionSetNode } | undefined | null;

/**
 * Measures an operation without executing it.
 *
 * Cost: every field costs 1 (or its Nest `@Field({ complexity: n })`), plus its
 * children's cost times a multiplier — the page size for a field with a `first`
 * argument (default 20, clamped to 1…MAX_PAGE_SIZE), 20 for any other list of
 * objects, 1 otherwise. A connection's `edges` list is covered by the
 * connection's own `first` and is not multiplied again. Every root field costs
 * `rootFieldCost` more: even `me { __typename }` authenticates, authorizes and
 * resolves, so thousands of cheap aliases must not fit under the limit.
 *
 * A `first` given as a variable counts as MAX_PAGE_SIZE: Mercurius validates a
 * query text once and caches the verdict for every later request with that
 * text, whatever its variables, so the measure must hold for any of them.
 *
 * Introspection meta-fields (`__typename`, `__schema`, `__type`) cost nothing
 * and add no depth: they never reach a resolver or the database, and
 * introspection is refused altogether in production.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
  options: MeasureOptions = {},
): QueryMeasure {
  const rootFieldCost = options.rootFieldCost ?? 0;
  // Per fragment and level (its type condition is fixed): keeps "fragment bombs" linear and stops cycles.
  const memo = new Map<string, Walk>();
  const visiting = new Set<string>();

  const measureSelections = (parent: GraphQLCompositeType, selectionSet: SelectionSetNode, atRoot: boolean): Walk => {
    const total: Walk = { depth: 0, cost: 0, aliases: 0, pageSizes: [], rootNames: new Set() };
    for (const selection of selectionSet.selections) {
      if (isSkipped(selection.directives)) continue;
      let measure: Walk;
      if (selection.kind === Kind.FIELD) {
        measure = measureField(parent, selection, atRoot);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (!type || !isCompositeType(type)) continue;
        measure = measureSelections(type, selection.selectionSet, atRoot);
      } else {
        const name = selection.name.value;
        const key = `${atRoot ? 'root' : 'nested'}:${name}`;
        const cached = memo.get(key);
        if (cached) {
          measure = cached;
        } else {
          const fragment = fragments(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          // Unknown fragments and cycles are reported by graphql-js's own rules.
          if (!fragment || !type || !isCompositeType(type) || visiting.has(name)) continue;
          visiting.add(name);
          measure = measureSelections(type, fragment.selectionSet, atRoot);
          visiting.delete(name);
          memo.set(key, measure);
        }
      }
      // Sibling selections (including both arms of a union) all add up: an overestimate, never an under.
      total.depth = Math.max(total.depth, measure.depth);
      total.cost += measure.cost;
      total.aliases += measure.aliases;
      total.pageSizes = heaviest([...total.pageSizes, ...measure.pageSizes]);
      for (const rootName of measure.rootNames) total.rootNames.add(rootName);
    }
    return total;
  };

  const measureField = (parent: GraphQLCompositeType, node: FieldNode, atRoot: boolean): Walk => {
    const responseName = node.alias?.value ?? node.name.value;
    const aliases = node.alias ? 1 : 0;
    const none: Walk = { depth: 0, cost: 0, aliases, pageSizes: [], rootNames: new Set() };
    if (node.name.value.startsWith('__')) return none;
    const field = fieldOf(parent, node.name.value);
    // Unknown fields are reported by graphql-js's FieldsOnCorrectTypeRule.
    if (!field) return none;
    const own = (typeof field.extensions?.complexity === 'number' ? field.extensions.complexity : 1) + (atRoot ? rootFieldCost : 0);
    const rootNames = new Set(atRoot ? [responseName] : []);
    const type = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(type)) return { depth: 1, cost: own, aliases, pageSizes: [], rootNames };
    const children = measureSelections(type, node.selectionSet, false);
    const multiplier = multiplierOf(parent, field, node);
    const below = children.pageSizes.map((p) => ({ path: `${responseName}.${p.path}`, first: p.first, weight: p.weight * multiplier }));
    const mine = hasFirst(field) && multiplier > 1 ? [{ path: responseName, first: multiplier, weight: (multiplier - 1) * children.cost }] : [];
    return {
      depth: 1 + children.depth,
      cost: own + multiplier * children.cost,
      aliases: aliases + children.aliases,
      pageSizes: heaviest([...mine, ...below]),
      rootNames,
    };
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return { depth: 0, cost: 0, rootFields: 0, aliases: 0, pageSizes: [] };
  const { rootNames, ...measure } = measureSelections(root, operation.selectionSet, true);
  return { ...measure, rootFields: rootNames.size };
}

type Walk = Omit<QueryMeasure, 'rootFields'> & { rootNames: Set<string> };

function heaviest(pageSizes: PageSizeWeight[]): PageSizeWeight[] {
  const byPath = new Map<string, PageSizeWeight>();
  // A fragment spread in two places names the same path twice: its weights add up.
  for (const p of pageSizes) {
    const seen = byPath.get(p.path);
    byPath.set(p.path, seen ? { ...seen, weight: seen.weight + p.weight } : p);
  }
  return [...byPath.values()].sort((a, b) => b.weight - a.weight || a.path.localeCompare(b.path)).slice(0, PAGE_SIZE_HINTS);
}

function hasFirst(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((arg) => arg.name === 'first');
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

type Limit = 'depth' | 'cost' | 'rootFields' | 'aliases';

const DESCRIBE: Record<Limit, (n: number) => string> = {
  depth: (n) => `depth ${n}`,
  cost: (n) => `cost ${n}`,
  rootFields: (n) => `${n} root fields`,
  aliases: (n) => `${n} aliases`,
};

/** Which `first` arguments to lower, so a client refused for cost knows what to change. */
function pageSizeAdvice(measure: QueryMeasure): string {
  if (measure.pageSizes.length === 0) return '';
  const named = measure.pageSizes.map((p) => `${p.path} (first: ${p.first})`).join(', ');
  return ` Lower the page size (first) of ${named}.`;
}

/** One rule per limit, so each reports its own measured value against its own setting. */
function limitRule(kind: Limit, maximum: number, setting: string, options: MeasureOptions): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const measure = measureOperation(context.getSchema(), operation, (name) => context.getFragment(name), options);
      const measured = measure[kind];
      if (measured > maximum) {
        const name = operation.name ? ` ${operation.name.value}` : '';
        const advice = kind === 'cost' ? pageSizeAdvice(measure) : '';
        const lower = kind === 'cost' && measure.pageSizes.length > 0 ? { lowerFirst: measure.pageSizes.map((p) => p.path) } : {};
        context.reportError(
          new GraphQLError(`Query${name} has ${DESCRIBE[kind](measured)}, above the maximum of ${maximum} (${setting}).${advice}`, {
            nodes: [operation],
            extensions: { code: GRAPHQL_VALIDATION_FAILED, limit: setting, measured, maximum, ...lower },
          }),
        );
      }
      return false;
    },
  });
}

export function maxDepthRule(maximum: number): ValidationRule {
  return limitRule('depth', maximum, 'GRAPHQL_MAX_DEPTH', {});
}

export function maxCostRule(maximum: number, options: MeasureOptions = {}): ValidationRule {
  return limitRule('cost', maximum, 'GRAPHQL_MAX_COST', options);
}

export function maxRootFieldsRule(maximum: number): ValidationRule {
  return limitRule('rootFields', maximum, 'GRAPHQL_MAX_ROOT_FIELDS', {});
}

export function maxAliasesRule(maximum: number): ValidationRule {
  return limitRule('aliases', maximum, 'GRAPHQL_MAX_ALIASES', {});
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
export function graphqlValidationRules(
  config: Pick<AppConfig, 'nodeEnv' | 'graphqlMaxDepth' | 'graphqlMaxCost' | 'graphqlMaxRootFields' | 'graphqlMaxAliases' | 'graphqlRootFieldCost'>,
): ValidationRule[] {
  return [
    // Root fields and aliases first: they are what a cheap-looking flood of `me { __typename }` is made of.
    maxRootFieldsRule(config.graphqlMaxRootFields),
    maxAliasesRule(config.graphqlMaxAliases),
    maxDepthRule(config.graphqlMaxDepth),
    maxCostRule(config.graphqlMaxCost, { rootFieldCost: config.graphqlRootFieldCost }),
    ...(config.nodeEnv === 'production' ? [NoSchemaIntrospectionCustomRule] : []),
  ];
}
