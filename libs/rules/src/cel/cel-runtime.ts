// A CEL harness that stands in for the API server's ValidatingAdmissionPolicy
// evaluator in tests and benchmarks; the API never needs it at runtime.
//
// @bufbuild/cel implements standard CEL only. The Kubernetes functions the
// renderings use are registered here with Kubernetes' semantics, and nothing
// else is: an expression calling a function that Kubernetes 1.30 lacks is
// rejected when compiled, not when (or if) a test happens to reach it.
import {
  CelScalar,
  celEnv,
  celFunc,
  celMethod,
  objectType,
  parse,
  plan,
  type CelEnv,
  type CelFunc,
  type CelInput,
  type CelValue,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import { reflect } from '@bufbuild/protobuf/reflect';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { compareQuantities, parseQuantity, type Quantity } from '../quantity';
import { RULE_IDS, type RuleId, type RuleParameters } from '../types';
import type { CelRuleRendering, CelVariable } from './rule-expressions';
import { renderUpdateAwareRules } from './update-rendering';

// ---------------------------------------------------------------------------
// Kubernetes library functions

// Kubernetes' Quantity is an opaque CEL object type; a one-field message gives
// @bufbuild/cel a distinct runtime type, so `quantity('1') == '1'` or
// `'1'.compareTo(…)` fail just as they do in the API server.
const QUANTITY_TYPE_NAME = 'kubernetes.Quantity';
const quantityRegistry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'rampart/cel/kubernetes_quantity.proto',
    package: 'kubernetes',
    syntax: 'proto3',
    messageType: [
      // type 9 = TYPE_STRING, label 1 = LABEL_OPTIONAL
      { name: 'Quantity', field: [{ name: 'value', jsonName: 'value', number: 1, type: 9, label: 1 }] },
    ],
  }),
  () => undefined,
);
const quantityDesc = quantityRegistry.getMessage(QUANTITY_TYPE_NAME) as DescMessage;
const QUANTITY = objectType(quantityDesc);

// The parsed value rides along with each message, so comparisons do not re-parse.
const parsedQuantities = new WeakMap<object, Quantity>();

function newQuantity(text: string): CelInput {
  const parsed = parseQuantity(text); // throws, as quantity() errors in Kubernetes
  const message = create(quantityDesc, { value: text } as never);
  const value = reflect(quantityDesc, message);
  parsedQuantities.set(value.message, parsed);
  return value as unknown as CelInput;
}

function quantityOf(value: unknown): Quantity {
  const message = (value as { message: object & { value?: string } }).message;
  return parsedQuantities.get(message) ?? parseQuantity(String(message.value));
}

function isQuantityText(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Kubernetes CEL functions the renderings use, with Kubernetes semantics.
 * Each entry names where Kubernetes 1.30 defines it.
 */
export const KUBERNETES_CEL_FUNCTIONS: readonly CelFunc[] = [
  // k8s.io/apiserver/pkg/cel/library/quantity.go: quantity(string) Quantity, an error for invalid text.
  celFunc('quantity', [CelScalar.STRING], QUANTITY, (text: string) => newQuantity(text) as never),
  // library/quantity.go: isQuantity(string) bool.
  celFunc('isQuantity', [CelScalar.STRING], CelScalar.BOOL, (text: string) => isQuantityText(text)),
  // library/quantity.go: <Quantity>.compareTo(<Quantity>) int, an exact comparison (resource.Quantity.Cmp).
  celMethod('compareTo', QUANTITY, [QUANTITY], CelScalar.INT, function (this: unknown, other: unknown) {
    return BigInt(compareQuantities(quantityOf(this), quantityOf(other)));
  }),
  // cel-go ext.Strings (StringsVersion 2 in the Kubernetes base environment): <list<string>>.join(string).
  ...strings.filter((f) => f.name === 'join' && f.target?.kind === 'list'),
];

/** Identifiers a ValidatingAdmissionPolicy expression may read (authorizer is left out: no rendering uses it). */
const VAP_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'] as const;

/** Call names the planner implements itself instead of looking them up. */
const PLANNER_OPERATORS = new Set([
  '_&&_',
  '_||_',
  '_?_:_',
  '_[_]',
  '_[?_]',
  '_?._',
  '@not_strictly_false',
  '__not_strictly_false__',
]);

const env: CelEnv = celEnv({
  funcs: [...KUBERNETES_CEL_FUNCTIONS],
  registry: quantityRegistry,
  variables: Object.fromEntries(VAP_VARIABLES.map((v) => [v, CelScalar.DYN])),
});

// Overload names available as global functions and as methods, from the environment itself.
const globalFunctions = new Set<string>();
const memberFunctions = new Set<string>();
for (const f of env.funcs) (f.target === undefined ? globalFunctions : memberFunctions).add(f.name);

// ---------------------------------------------------------------------------
// Compilation

export class CelCompileError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`CEL compile error: ${reason} in ${JSON.stringify(expression.length > 200 ? expression.slice(0, 200) + '…' : expression)}`);
    this.name = 'CelCompileError';
  }
}

type ParsedExpr = ReturnType<typeof parse>['expr'];

/** Rejects unknown functions and unbound identifiers, which @bufbuild/cel would report only when evaluated. */
function checkReferences(
  expression: string,
  expr: ParsedExpr | undefined,
  scope: ReadonlySet<string>,
  variableRefs: Set<string>,
): void {
  if (expr === undefined) return;
  const check = (e: ParsedExpr | undefined, s: ReadonlySet<string> = scope) => checkReferences(expression, e, s, variableRefs);
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (!scope.has(kind.value.name)) throw new CelCompileError(expression, `undeclared reference to '${kind.value.name}'`);
      return;
    case 'selectExpr': {
      const operand = kind.value.operand;
      if (operand?.exprKind.case === 'identExpr' && operand.exprKind.value.name === 'variables') {
        variableRefs.add(kind.value.field);
      }
      check(operand);
      return;
    }
    case 'callExpr': {
      const { target, args } = kind.value;
      const name = kind.value.function;
      const known = PLANNER_OPERATORS.has(name) || (target === undefined ? globalFunctions : memberFunctions).has(name);
      if (!known) {
        throw new CelCompileError(expression, `undeclared ${target === undefined ? 'function' : 'method'} '${name}'`);
      }
      check(target);
      for (const arg of args) check(arg);
      return;
    }
    case 'listExpr':
      for (const e of kind.value.elements) check(e);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') check(entry.keyKind.value);
        check(entry.value);
      }
      return;
    case 'comprehensionExpr': {
      const c = kind.value;
      check(c.iterRange);
      check(c.accuInit);
      const inner = new Set(scope);
      for (const v of [c.iterVar, c.iterVar2, c.accuVar]) if (v) inner.add(v);
      check(c.loopCondition, inner);
      check(c.loopStep, inner);
      check(c.result, new Set(scope).add(c.accuVar));
      return;
    }
    default:
      return;
  }
}

export type CelBindings = Partial<Record<(typeof VAP_VARIABLES)[number], CelInput>>;

export interface CompiledCelExpression {
  readonly source: string;
  /** The `variables.<name>` the expression reads; a policy must declare them (earlier ones, for a variable). */
  readonly variableRefs: ReadonlySet<string>;
  /** Evaluates; a CEL error is returned as an Error, never thrown. */
  evaluate(bindings: CelBindings): CelValue | Error;
}

const compiled = new Map<string, CompiledCelExpression>();

/**
 * Parses and checks one expression against the Kubernetes environment.
 * Throws CelCompileError on syntax errors and on functions or variables that
 * a ValidatingAdmissionPolicy does not have.
 */
export function compileCelExpression(source: string): CompiledCelExpression {
  const cached = compiled.get(source);
  if (cached) return cached;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (e) {
    throw new CelCompileError(source, e instanceof Error ? e.message : String(e));
  }
  const variableRefs = new Set<string>();
  checkReferences(source, parsed.expr, new Set(VAP_VARIABLES), variableRefs);
  const program = plan(env, parsed);
  const result: CompiledCelExpression = {
    source,
    variableRefs,
    evaluate(bindings) {
      return program(bindings as never);
    },
  };
  compiled.set(source, result);
  return result;
}

export interface CompiledCelValidation {
  ruleId: RuleId;
  expression: CompiledCelExpression;
  messageExpression?: CompiledCelExpression;
  message: string;
}

export interface CompiledCelPolicy {
  variables: { name: string; expression: CompiledCelExpression }[];
  validations: CompiledCelValidation[];
}

/** A rendering to evaluate: rule renderings plus the variables they read. */
export interface CelPolicyRendering {
  variables: readonly CelVariable[];
  rules: readonly CelRuleRendering[];
}

interface AdmissionPolicyLike {
  policy: {
    spec?: {
      variables?: readonly { name: string; expression: string }[];
      validations?: readonly { expression: string; message?: string; messageExpression?: string }[];
    };
  };
}

/** Kubernetes types `variables` from the policy's declarations, so an undeclared one is a compile error. */
function checkVariableRefs(policy: CompiledCelPolicy): CompiledCelPolicy {
  const declared = new Set<string>();
  const verify = (e: CompiledCelExpression | undefined) => {
    for (const name of e?.variableRefs ?? []) {
      if (!declared.has(name)) throw new CelCompileError(e!.source, `undeclared variable 'variables.${name}'`);
    }
  };
  for (const v of policy.variables) {
    verify(v.expression);
    declared.add(v.name);
  }
  for (const v of policy.validations) {
    verify(v.expression);
    verify(v.messageExpression);
  }
  return policy;
}

export function compileCelPolicy(rendering: CelPolicyRendering): CompiledCelPolicy {
  return checkVariableRefs({
    variables: rendering.variables.map((v) => ({ name: v.name, expression: compileCelExpression(v.expression) })),
    validations: rendering.rules.flatMap((r) =>
      r.validations.map((v) => ({
        ruleId: r.ruleId,
        expression: compileCelExpression(v.expression),
        messageExpression: compileCelExpression(v.messageExpression),
        message: v.message,
      })),
    ),
  });
}

/** The rule id a Rampart validation message starts with (`<ruleId>: …`). */
export function ruleIdOfCelMessage(message: string): RuleId | undefined {
  const head = message.slice(0, message.indexOf(':'));
  return (RULE_IDS as readonly string[]).includes(head) ? (head as RuleId) : undefined;
}

/** Compiles the validations of a rendered ValidatingAdmissionPolicy; rule ids come from their messages. */
export function compileAdmissionPolicyForCel(rendered: AdmissionPolicyLike): CompiledCelPolicy {
  const spec = rendered.policy.spec ?? {};
  return checkVariableRefs({
    variables: (spec.variables ?? []).map((v) => ({ name: v.name, expression: compileCelExpression(v.expression) })),
    validations: (spec.validations ?? []).map((v) => {
      const message = v.message ?? '';
      const ruleId = ruleIdOfCelMessage(message);
      if (ruleId === undefined) throw new Error(`validation message does not name a rule: ${JSON.stringify(message)}`);
      return {
        ruleId,
        expression: compileCelExpression(v.expression),
        messageExpression: v.messageExpression ? compileCelExpression(v.messageExpression) : undefined,
        message,
      };
    }),
  });
}

/**
 * Compiles one rule's validations with the shared variables (for benchmarks and tests):
 * the violations a request introduces (on UPDATE, only when the old object passed the
 * rule), or with `preExisting` those the old object already had.
 */
export function compileCelRules<R extends RuleId>(ruleId: R, parameters: RuleParameters[R], preExisting = false): CompiledCelPolicy {
  const rendering = renderUpdateAwareRules([{ id: ruleId, parameters }]);
  return compileCelPolicy({ variables: rendering.variables, rules: preExisting ? rendering.preExisting : rendering.introduced });
}

// ---------------------------------------------------------------------------
// Evaluation

/** Maps whose numbers Kubernetes serialises as quantity strings. */
const QUANTITY_MAP_KEYS = new Set(['limits', 'requests', 'overhead', 'hard', 'capacity', 'allocatable']);

/**
 * A manifest as the API server hands it to CEL: the typed decode drops nulls,
 * int64 fields are CEL ints (JS numbers would be doubles), and resource
 * quantities are re-serialised as strings even when YAML wrote a number.
 */
export function toAdmissionCelValue(value: unknown): CelInput {
  return toCelValue(value, false);
}

/** `quantityMap`: whether `value` is a map of resource quantities (resources.limits, …). */
function toCelValue(value: unknown, quantityMap: boolean): CelInput {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toCelValue(v, false));
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'bigint':
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      const out = new Map<string, CelInput>();
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === null || v === undefined) continue;
        // String() gives the shortest round-trip form of what YAML read ("0.5", "1100000000").
        if (quantityMap && (typeof v === 'number' || typeof v === 'bigint')) out.set(k, String(v));
        else out.set(k, toCelValue(v, QUANTITY_MAP_KEYS.has(k)));
      }
      return out;
    }
    default:
      return String(value);
  }
}

export interface CelFailure {
  ruleId: RuleId;
  message: string;
  /** True when the expression failed to evaluate (denied under failurePolicy: Fail). */
  error?: boolean;
}

export interface CelEvaluation {
  /** False when any validation failed or errored; the binding's actions decide what that means. */
  allowed: boolean;
  failures: CelFailure[];
}

export interface CelEvaluateOptions {
  /** The request's namespace; defaults to the object's metadata.namespace (or ''). */
  namespace?: string;
  operation?: 'CREATE' | 'UPDATE';
  /** The stored object an UPDATE replaces (`oldObject`); null otherwise, as in Kubernetes. */
  oldObject?: unknown;
}

type Evaluable = CompiledCelPolicy | CelPolicyRendering | AdmissionPolicyLike;

function toCompiled(policy: Evaluable): CompiledCelPolicy {
  if ('policy' in policy) return compileAdmissionPolicyForCel(policy);
  if ('rules' in policy) return compileCelPolicy(policy);
  return policy;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Evaluates a policy's validations against one object, as the API server would
 * (failurePolicy: Fail, so evaluation errors are failures): a CREATE unless
 * `options.operation` says UPDATE, with `options.oldObject` as oldObject.
 */
export function evaluateWithCel(policy: Evaluable, object: unknown, options: CelEvaluateOptions = {}): CelEvaluation {
  const program = toCompiled(policy);
  const metadata = (object as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  const namespace = options.namespace ?? (typeof metadata?.namespace === 'string' ? metadata.namespace : '');
  const request = toAdmissionCelValue({
    operation: options.operation ?? 'CREATE',
    namespace,
    name: typeof metadata?.name === 'string' ? metadata.name : '',
  });
  const bindings: CelBindings = {
    object: toAdmissionCelValue(object),
    oldObject: options.operation === 'UPDATE' && options.oldObject !== undefined ? toAdmissionCelValue(options.oldObject) : null,
    params: null,
    namespaceObject: null,
    request,
  };

  // Kubernetes evaluates variables lazily; eagerly is equivalent except that a
  // failing variable must fail only the validations that read it, which leaving
  // it out of `variables` achieves (reading it is then an error).
  const variables = new Map<string, CelInput>();
  for (const v of program.variables) {
    const value = v.expression.evaluate({ ...bindings, variables });
    if (!(value instanceof Error)) variables.set(v.name, value as CelInput);
  }
  bindings.variables = variables;

  const failures: CelFailure[] = [];
  for (const v of program.validations) {
    const result = v.expression.evaluate(bindings);
    if (result === true) continue;
    if (result instanceof Error || typeof result !== 'boolean') {
      const reason = result instanceof Error ? errorText(result) : `expression returned ${typeof result}, not bool`;
      failures.push({ ruleId: v.ruleId, message: `${v.ruleId}: evaluation error: ${reason}`, error: true });
      continue;
    }
    let message = v.message;
    if (v.messageExpression) {
      const text = v.messageExpression.evaluate(bindings);
      // Kubernetes falls back to `message` when messageExpression fails or is not a string.
      if (typeof text === 'string' && text.trim() !== '') message = text;
    }
    failures.push({ ruleId: v.ruleId, message });
  }
  return { allowed: failures.length === 0, failures };
}

/**
 * One rule over the documents of one file or request, which fails when any
 * document fails (the shape the shared conformance table wants). Parameters
 * must already be validated and defaulted.
 */
export function evaluateRuleWithCel<R extends RuleId>(
  ruleId: R,
  parameters: RuleParameters[R],
  documents: readonly unknown[],
  options: CelEvaluateOptions = {},
): CelEvaluation {
  const program = compileCelRules(ruleId, parameters);
  const failures = documents.flatMap((doc) => evaluateWithCel(program, doc, options).failures);
  return { allowed: failures.length === 0, failures };
}

interface RenderedPairLike {
  policy: AdmissionPolicyLike['policy'] & {
    spec?: { matchConstraints?: { resourceRules?: readonly { operations?: readonly string[] }[] } };
  };
}

/** Whether a rendered policy's matchConstraints select the operation (so the API server would run it). */
function matchesOperation(rendered: RenderedPairLike, operation: string): boolean {
  const rules = rendered.policy.spec?.matchConstraints?.resourceRules ?? [];
  return rules.some((r) => (r.operations ?? []).some((op) => op === operation || op === '*'));
}

export interface AdmissionRenderEvaluation {
  /** Failures of the main pair, bound with the policy's action. */
  introduced: CelFailure[];
  /** Failures of the pre-existing pair (Audit + Warn); empty when it does not match the operation. */
  preExisting: CelFailure[];
}

/**
 * Runs both pairs of a renderAdmissionPolicy result on one request, each only when its
 * match constraints select the request's operation, as the API server would.
 */
export function evaluateAdmissionRenderWithCel(
  render: { policy: RenderedPairLike['policy']; preExistingPolicy: RenderedPairLike['policy'] },
  object: unknown,
  options: CelEvaluateOptions = {},
): AdmissionRenderEvaluation {
  const operation = options.operation ?? 'CREATE';
  const run = (policy: RenderedPairLike['policy']) =>
    matchesOperation({ policy }, operation) ? evaluateWithCel({ policy }, object, options).failures : [];
  return { introduced: run(render.policy), preExisting: run(render.preExistingPolicy) };
}
