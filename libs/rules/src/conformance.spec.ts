// Conformance: every case in test/fixtures/conformance/INDEX.json, through every engine.
//
// The fixtures are copied into the repository (sources and licences in their README). Each
// engine maps (rule, parameters, parsed documents) to a verdict; a file fails when any
// of its documents fails. One table of engines holds the TypeScript evaluators and the
// CEL renderings to the same expectations, so they cannot drift apart unnoticed.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateRuleParameters } from './catalog';
import { renderAdmissionPolicy } from './cel/admission';
import { evaluateRuleWithCel, evaluateWithCel, type CelEvaluation } from './cel/cel-runtime';
import { evaluateRule } from './evaluate';
import { parseManifests } from './manifest-parser';
import { RULE_IDS, type Manifest, type RuleId } from './types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/conformance');
const INDEX = path.join(FIXTURES, 'INDEX.json');
// Guards against a truncated or half-checked-out index silently shrinking the suite.
const MIN_CASES = 150;

interface FixtureCase {
  file: string;
  source: string;
  ruleId: RuleId;
  params: Record<string, unknown>;
  expect: Verdict;
  kind: string;
  note: string;
}

type Verdict = 'pass' | 'fail';

export interface ConformanceEngine {
  name: string;
  run(ruleId: RuleId, params: Record<string, unknown>, docs: readonly Manifest[]): Verdict;
}

// A fixture that fails only because an expression could not be evaluated would pass
// for the wrong reason (failurePolicy: Fail turns errors into denials), and a failure
// attributed to another rule means the rendering mixed rules up.
function celVerdict(ruleId: RuleId, evaluation: CelEvaluation): Verdict {
  const errors = evaluation.failures.filter((f) => f.error || f.ruleId !== ruleId);
  if (errors.length > 0) throw new Error(`CEL evaluation errors for ${ruleId}: ${JSON.stringify(errors)}`);
  return evaluation.allowed ? 'pass' : 'fail';
}

const ENGINES: ConformanceEngine[] = [
  {
    name: 'typescript',
    run: (ruleId, params, docs) => (docs.some((doc) => evaluateRule(ruleId, doc, params).length > 0) ? 'fail' : 'pass'),
  },
  {
    name: 'cel',
    run: (ruleId, params, docs) => celVerdict(ruleId, evaluateRuleWithCel(ruleId, validateRuleParameters(ruleId, params), docs)),
  },
  {
    // What a cluster actually installs: the whole ValidatingAdmissionPolicy, with rule
    // ids recovered from its validation messages.
    name: 'cel (rendered ValidatingAdmissionPolicy)',
    run: (ruleId, params, docs) => {
      const rendered = renderAdmissionPolicy({
        id: 'conformance',
        name: 'conformance',
        action: 'BLOCK',
        namespaces: { include: [], exclude: [] },
        rules: [{ id: ruleId, parameters: validateRuleParameters(ruleId, params) }],
      });
      const failures = docs.flatMap((doc) => evaluateWithCel(rendered, doc).failures);
      return celVerdict(ruleId, { allowed: failures.length === 0, failures });
    },
  },
];

// Thrown at load time on purpose: a missing index must fail the suite, never skip it.
function loadCases(): FixtureCase[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(INDEX, 'utf8'));
  } catch (e) {
    throw new Error(`conformance fixtures: cannot read ${INDEX} (the fixtures live in test/fixtures/conformance): ${String(e)}`);
  }
  if (!Array.isArray(parsed) || parsed.length < MIN_CASES) {
    const count = Array.isArray(parsed) ? parsed.length : 'no array';
    throw new Error(`conformance fixtures: ${INDEX} has ${count} cases, expected at least ${MIN_CASES}`);
  }
  return parsed as FixtureCase[];
}

const CASES = loadCases();

describe('conformance fixtures', () => {
  it(`indexes at least ${MIN_CASES} well-formed cases covering every rule`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(MIN_CASES);
    expect(new Set(CASES.map((c) => c.ruleId))).toEqual(new Set(RULE_IDS));
    for (const c of CASES) expect(['pass', 'fail']).toContain(c.expect);
  });

  describe.each(ENGINES)('$name engine', (engine) => {
    it.each(CASES.map((c) => [c.file, c] as const))('%s', (_file, c) => {
      const docs = parseManifests(fs.readFileSync(path.join(FIXTURES, c.file), 'utf8'));
      expect(docs.length).toBeGreaterThan(0);
      const verdict = engine.run(c.ruleId, c.params, docs);
      // The note says why the case has its verdict; show it when the engine disagrees.
      expect({ verdict, note: c.note }).toEqual({ verdict: c.expect, note: c.note });
    });
  });
});
