import { buildSchema, parse } from 'graphql';
import { AppError } from '../errors/app-error';
import { textProblem } from '../validation/text';
import { checkArguments } from './argument-check';

const schema = buildSchema(`
  scalar JSON
  input Rule { ruleId: ID! parameters: JSON }
  input Scope { ids: [ID!] names: [String!] }
  input In { id: ID! name: String scope: Scope rules: [Rule!] }
  type Child { items(after: String, filter: ID): [String] }
  type Query {
    one(id: ID!): Child
    make(input: In!): String
    text(value: String = "ok"): String
  }
`);
// Marks Rule.ruleId as a catalog id (what @Extensions(NOT_A_UUID) does in code-first).
(schema.getType('Rule') as unknown as { getFields(): Record<string, { extensions: object }> }).getFields().ruleId.extensions = { uuid: false };

const UUID = '00000000-0000-4000-8000-000000000000';

/** `{a: {a: … 1}}` with `levels` objects. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

function problem(document: string, variables?: Record<string, unknown>): string | null {
  try {
    checkArguments(schema, parse(document), variables);
    return null;
  } catch (error) {
    if (error instanceof AppError) return `${error.code} ${error.field}`;
    throw error;
  }
}

describe('checkArguments', () => {
  it.each<[string, string, Record<string, unknown> | undefined, string | null]>([
    ['a UUID literal', `{ one(id: "${UUID}") { items } }`, undefined, null],
    ['a non-UUID id literal', '{ one(id: "x") { items } }', undefined, 'BAD_USER_INPUT id'],
    ['a non-UUID id variable', 'query($i: ID!) { one(id: $i) { items } }', { i: 'x' }, 'BAD_USER_INPUT id'],
    ['an id on a nested field', `{ one(id: "${UUID}") { items(filter: "x") } }`, undefined, 'BAD_USER_INPUT filter'],
    ['NUL in a nested argument variable', `query($a: String) { one(id: "${UUID}") { items(after: $a) } }`, { a: '\u0000' }, 'BAD_USER_INPUT after'],
    ['an id in a list of an input variable', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, scope: { ids: [UUID, 'nope'] } } }, 'BAD_USER_INPUT input.scope.ids[1]'],
    ['a catalog rule id is no UUID', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, rules: [{ ruleId: 'privileged-containers' }] } }, null],
    ['a lone surrogate in JSON', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, rules: [{ ruleId: 'r', parameters: { a: ['ok', '\udfff'] } }] } }, 'BAD_USER_INPUT input.rules[0].parameters.a[1]'],
    ['NUL in a JSON literal', `{ make(input: { id: "${UUID}", rules: [{ ruleId: "r", parameters: { k: "\\u0000" } }] }) }`, undefined, 'BAD_USER_INPUT input.rules[0].parameters.k'],
    ['NUL in a variable default', 'query($v: String = "\\u0000") { text(value: $v) }', undefined, 'BAD_USER_INPUT value'],
    ['a surrogate pair is fine', 'query($v: String) { text(value: $v) }', { v: 'emoji 😀' }, null],
    ['null and omitted values are fine', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, name: null } }, null],
    // 180,000 registry patterns were sent to stall the request thread: refused on the first walk.
    ['a JSON list of 10,001 items', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, rules: [{ ruleId: 'r', parameters: { p: Array(10_001).fill('a') } }] } }, 'BAD_USER_INPUT input.rules[0].parameters.p'],
    ['a JSON list of 10,000 items', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, rules: [{ ruleId: 'r', parameters: { p: Array(10_000).fill('a') } }] } }, null],
    ['a GraphQL list of 10,001 items', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, scope: { names: Array(10_001).fill('n') } } }, 'BAD_USER_INPUT input.scope.names'],
    ['JSON nested 33 deep', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, rules: [{ ruleId: 'r', parameters: nested(33) }] } }, 'BAD_USER_INPUT input.rules[0].parameters' + '.a'.repeat(32)],
    ['JSON nested 32 deep', 'query($in: In!) { make(input: $in) }', { in: { id: UUID, rules: [{ ruleId: 'r', parameters: nested(32) }] } }, null],
  ])('%s', (_name, document, variables, expected) => {
    expect(problem(document, variables)).toBe(expected);
  });
});

describe('textProblem', () => {
  it.each([
    ['plain', null],
    ['a\u0000b', 'must not contain NUL characters'],
    ['\ud800', 'must be valid Unicode (it contains a lone surrogate)'],
    ['x\udc00', 'must be valid Unicode (it contains a lone surrogate)'],
    ['\ud83d\ude00', null],
  ])('%j', (value, expected) => {
    expect(textProblem(value)).toBe(expected);
  });
});
