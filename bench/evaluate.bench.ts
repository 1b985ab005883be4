// One realistic 3-container Deployment against all eleven rules (default parameters),
// in process: the TypeScript evaluators (compileRules, what the sensor's webhook runs)
// and the CEL rendering of the same rules (the ValidatingAdmissionPolicy the cluster
// installs, through the test harness), side by side. Goal: TypeScript p99 ≤ 50 µs.
import { compileRules, renderAdmissionPolicy, RULE_IDS, validateRuleParameters } from '@rampart/rules';
import { compileAdmissionPolicyForCel, evaluateWithCel } from '../libs/rules/src/cel/cel-runtime';
import { DEPLOYMENT } from '../libs/rules/src/realistic-deployment.fixture';
import { round, percentile, sample } from './stats';

const GOAL_P99_MICROS = 50;


const rules = RULE_IDS.map((id) => ({ id, parameters: validateRuleParameters(id, undefined) }));

const evaluateTs = compileRules(rules.map((r) => ({ ruleId: r.id, parameters: r.parameters })));
const rendered = renderAdmissionPolicy({ id: 'bench', name: 'bench', action: 'BLOCK', namespaces: { include: [], exclude: [] }, rules });
// Compiled once, as the API server compiles a policy once, not per request.
const celProgram = compileAdmissionPolicyForCel(rendered);

// Both engines must see the same violations, or the comparison is meaningless.
const tsRules = [...new Set(evaluateTs(DEPLOYMENT).map((f) => f.ruleId))].sort();
const celRules = [...new Set(evaluateWithCel(celProgram, DEPLOYMENT).failures.map((f) => f.ruleId))].sort();
if (tsRules.join() !== celRules.join()) throw new Error(`engines disagree: ts ${tsRules} vs cel ${celRules}`);

function summarise(samples: Float64Array) {
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    iterations: samples.length,
    p50Micros: round(percentile(samples, 0.5)),
    p99Micros: round(percentile(samples, 0.99)),
    evaluationsPerSecond: Math.round((samples.length / total) * 1e6),
  };
}

const typescript = summarise(sample(() => evaluateTs(DEPLOYMENT), 50_000, 200_000));
const cel = summarise(sample(() => evaluateWithCel(celProgram, DEPLOYMENT), 2_000, 20_000));

console.log(
  JSON.stringify(
    {
      benchmark: 'evaluate',
      workload: 'Deployment, 1 init + 2 containers, all 11 rules with default parameters',
      failingRules: tsRules,
      node: process.version,
      typescript,
      cel,
      celToTypescriptRatio: { p50: round(cel.p50Micros / typescript.p50Micros, 1), p99: round(cel.p99Micros / typescript.p99Micros, 1) },
      goal: { typescriptP99Micros: GOAL_P99_MICROS },
      goalMet: typescript.p99Micros <= GOAL_P99_MICROS,
    },
    null,
    2,
  ),
);
