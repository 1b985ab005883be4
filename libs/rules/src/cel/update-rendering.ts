// Policy semantics rule 5 in CEL: existing violations never stall a rollout.
//
// A ValidatingAdmissionPolicy's validations share one set of validationActions, so
// "deny what the update breaks, only record what was already broken" cannot be one
// policy. Each Rampart policy therefore renders two sets of validations over the same
// variables:
//
// - introduced: a rule's validation passes when the new object passes it, or when the
//   request is an UPDATE whose old object already failed the rule (any of its
//   validations). Bound with the policy's own actions (Deny for BLOCK).
// - pre-existing: fails exactly when the old object already failed the rule and the
//   new object still fails this validation. Bound with Audit + Warn whatever the
//   policy's action, so a BLOCK policy still records violations it lets through.
//
// "Failed on the old object" is judged per rule, not per validation, as the
// TypeScript evaluator does (evaluateAdmission): a rule with several validations
// (non-root-user) whose old object failed one of them is excused for all of them.
// The per-rule judgement is a variable, so Kubernetes computes it at most once per
// request, and only when a validation on the new object has failed (variables are lazy
// and `||` short-circuits).
import type { RuleId, RuleParameters } from '../types';
import {
  CEL_OLD_OBJECT_VARIABLES,
  CEL_VARIABLES,
  OLD_OBJECT,
  renderCelRule,
  type CelRuleRendering,
  type CelValidation,
  type CelVariable,
} from './rule-expressions';

export interface CelRuleInput {
  id: RuleId;
  /** Validated and defaulted by the catalog. */
  parameters: object;
}

export interface UpdateAwareRendering {
  /** Variables over object and oldObject, then one `oldObjectViolates…` per rule. */
  variables: CelVariable[];
  /** Violations the request introduces (fail on CREATE, or on UPDATE when the old object passed the rule). */
  introduced: CelRuleRendering[];
  /** Violations the old object already had (UPDATE only). */
  preExisting: CelRuleRendering[];
}

/** The words a pre-existing violation's message carries after `<ruleId>: `. */
export const PRE_EXISTING_MESSAGE_TAG = 'pre-existing violation, recorded but not denied: ';

const IS_UPDATE = `request.operation == 'UPDATE' && oldObject != null`;

function camel(ruleId: string): string {
  return ruleId.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());
}

function tagged(ruleId: RuleId, v: CelValidation): Pick<CelValidation, 'message' | 'messageExpression'> {
  const head = `${ruleId}: `;
  // Every rendering's message and messageExpression start with the rule id (ruleIdOfCelMessage relies on it).
  if (!v.message.startsWith(head) || !v.messageExpression.startsWith(`'${head}`)) {
    throw new Error(`validation of ${ruleId} does not start its message with the rule id`);
  }
  return {
    message: head + PRE_EXISTING_MESSAGE_TAG + v.message.slice(head.length),
    messageExpression: `'${head}${PRE_EXISTING_MESSAGE_TAG}` + v.messageExpression.slice(head.length + 1),
  };
}

/** Renders rules (in the given order) with the UPDATE semantics above. */
export function renderUpdateAwareRules(rules: readonly CelRuleInput[]): UpdateAwareRendering {
  const variables: CelVariable[] = [...CEL_VARIABLES, ...CEL_OLD_OBJECT_VARIABLES];
  const introduced: CelRuleRendering[] = [];
  const preExisting: CelRuleRendering[] = [];
  const used = new Set<string>();
  rules.forEach((rule, index) => {
    const params = rule.parameters as RuleParameters[RuleId];
    let name = `oldObjectViolates${camel(rule.id)}`;
    // A rule listed twice (with other parameters) gets its own judgement.
    if (used.has(name)) name += String(index);
    used.add(name);
    const old = renderCelRule(rule.id, params, OLD_OBJECT).validations;
    variables.push({ name, expression: `${IS_UPDATE} && !(${old.map((v) => `(${v.expression})`).join(' && ')})` });
    const current = renderCelRule(rule.id, params).validations;
    introduced.push({
      ruleId: rule.id,
      validations: current.map((v) => ({ ...v, expression: `(${v.expression}) || variables.${name}` })),
    });
    preExisting.push({
      ruleId: rule.id,
      validations: current.map((v) => ({ ...v, ...tagged(rule.id, v), expression: `!variables.${name} || (${v.expression})` })),
    });
  });
  return { variables, introduced, preExisting };
}
