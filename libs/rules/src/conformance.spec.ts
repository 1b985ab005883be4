// Conformance: every case in test/fixtures/conformance/INDEX.json, through every engine.
//
// A case with `operation: "UPDATE"` also names `oldFile`, the object the update replaces
// (document by document); its verdict is what the request meets (policy semantics rule 5):
// `fail` (denied: the update newly breaks the rule), `audit` (admitted, the old object
// already failed the rule: recorded as a pre-existing violation) or `pass`.
//
// The fixtures are copied into the repository (sources and licences in their README). Each
// engine maps (rule, parameters, parsed documents) to a verdict; a file fails when any
// of its documents fails. One table of engines holds the TypeScript evaluators and the
// CEL renderings to the same expectations, so they cannot drift apart unnoticed.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateRuleParameters } from './catalog';
import { renderAdmissionPolicy } from './cel/admission';
import { compileCelRules, evaluateAdmissionRenderWithCel, evaluateRuleWithCel, evaluateWithCel, type CelEvaluation, type CelFailure } from './cel/cel-runtime';
import { compileRules, evaluateAdmission, evaluateRule } from './evaluate';
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
  /** CREATE when absent. */
  operation?: 'CREATE' | 'UPDATE';
  /** For UPDATE: the old objects, one document per document of `file`. */
  oldFile?: string;
}

type Verdict = 'pass' | 'fail' | 'audit';

export interface ConformanceEngine {
  name: string;
  run(ruleId: RuleId, params: Record<string, unknown>, docs: readonly Manifest[]): Verdict;
  /** An UPDATE replacing oldDocs[i] by docs[i]. */
  update(ruleId: RuleId, params: Record<string, unknown>, docs: readonly Manifest[], oldDocs: readonly Manifest[]): Verdict;
}

/** Denied when any document newly breaks the rule; else audited when any keeps a pre-existing violation. */
function updateVerdict(outcomes: { introduced: number; preExisting: number }[]): Verdict {
  if (outcomes.some((o) => o.introduced > 0)) return 'fail';
  return outcomes.some((o) => o.preExisting > 0) ? 'audit' : 'pass';
}

// A fixture that fails only because an expression could not be evaluated would pass
// for the wrong reason (failurePolicy: Fail turns errors into denials), and a failure
// attributed to another rule means the rendering mixed rules up.
function celVerdict(ruleId: RuleId, evaluation: CelEvaluation): Verdict {
  const errors = evaluation.failures.filter((f) => f.error || f.ruleId !== ruleId);
  if (errors.length > 0) throw new Error(`CEL evaluation errors for ${ruleId}: ${JSON.stringify(errors)}`);
  return evaluation.allowed ? 'pass' : 'fail';
}

function celCount(ruleId: RuleId, failures: CelFailure[]): number {
  return celVerdict(ruleId, { allowed: failures.length === 0, failures }) === 'fail' ? failures.length : 0;
}

const ENGINES: ConformanceEngine[] = [
  {
    name: 'typescript',
    run: (ruleId, params, docs) => (docs.some((doc) => evaluateRule(ruleId, doc, params).length > 0) ? 'fail' : 'pass'),
    update: (ruleId, params, docs, oldDocs) => {
      const rules = compileRules([{ ruleId, parameters: params }]);
      return updateVerdict(
        docs.map((object, i) => {
          const findings = evaluateAdmission(rules, { operation: 'UPDATE', object, oldObject: oldDocs[i] });
          return { introduced: findings.filter((f) => !f.preExisting).length, preExisting: findings.filter((f) => f.preExisting).length };
        }),
      );
    },
  },
  {
    name: 'cel',
    run: (ruleId, params, docs) => celVerdict(ruleId, evaluateRuleWithCel(ruleId, validateRuleParameters(ruleId, params), docs)),
    update: (ruleId, params, docs, oldDocs) => {
      const validated = validateRuleParameters(ruleId, params);
      return updateVerdict(
        docs.map((object, i) => {
          const options = { operation: 'UPDATE' as const, oldObject: oldDocs[i] };
          return {
            introduced: celCount(ruleId, evaluateWithCel(compileCelRules(ruleId, validated), object, options).failures),
            preExisting: celCount(ruleId, evaluateWithCel(compileCelRules(ruleId, validated, true), object, options).failures),
          };
        }),
      );
    },
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
    update: (ruleId, params, docs, oldDocs) => {
      const rendered = renderAdmissionPolicy({
        id: 'conformance',
        name: 'conformance',
        action: 'BLOCK',
        namespaces: { include: [], exclude: [] },
        rules: [{ id: ruleId, parameters: validateRuleParameters(ruleId, params) }],
      });
      return updateVerdict(
        docs.map((object, i) => {
          const result = evaluateAdmissionRenderWithCel(rendered, object, { operation: 'UPDATE', oldObject: oldDocs[i] });
          return { introduced: celCount(ruleId, result.introduced), preExisting: celCount(ruleId, result.preExisting) };
        }),
      );
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
    for (const c of CASES) {
      if (c.operation === 'UPDATE') {
        expect({ file: c.file, oldFile: typeof c.oldFile, expect: ['pass', 'fail', 'audit'].includes(c.expect) }).toEqual({ file: c.file, oldFile: 'string', expect: true });
      } else {
        expect({ file: c.file, operation: c.operation ?? 'CREATE', oldFile: c.oldFile, expect: ['pass', 'fail'].includes(c.expect) }).toEqual({
          file: c.file,
          operation: 'CREATE',
          oldFile: undefined,
          expect: true,
        });
      }
    }
    // Both operations are covered, each verdict of an UPDATE at least once.
    expect(new Set(CASES.filter((c) => c.operation === 'UPDATE').map((c) => c.expect))).toEqual(new Set(['pass', 'fail', 'audit']));
  });

  describe.each(ENGINES)('$name engine', (engine) => {
    it.each(CASES.map((c) => [c.file, c] as const))('%s', (_file, c) => {
      const docs = parseManifests(fs.readFileSync(path.join(FIXTURES, c.file), 'utf8'));
      expect(docs.length).toBeGreaterThan(0);
      let verdict: Verdict;
      if (c.operation === 'UPDATE') {
        const oldDocs = parseManifests(fs.readFileSync(path.join(FIXTURES, c.oldFile as string), 'utf8'));
        expect(oldDocs.length).toBe(docs.length);
        verdict = engine.update(c.ruleId, c.params, docs, oldDocs);
      } else {
        verdict = engine.run(c.ruleId, c.params, docs);
      }
      // The note says why the case has its verdict; show it when the engine disagrees.
      expect({ verdict, note: c.note }).toEqual({ verdict: c.expect, note: c.note });
    });
  });
});
