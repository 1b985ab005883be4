import { GraphQLInt, GraphQLObjectType, GraphQLSchema, buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { pageSize, MAX_PAGE_SIZE } from './connection';
import { DEFAULT_PAGE_SIZE, GRAPHQL_VALIDATION_FAILED, graphqlValidationRules, measureOperation } from './graphql-limits';

// A schema with a cycle (Team ↔ Member) and a connection, so depth and cost can grow without bound.
const schema = buildSchema(`
  type Query {
    team(id: ID!): Team
    teams: [Team!]!
    members(first: Int, after: String): MemberConnection!
    tags: [String!]!
    node: Node
  }
  type Mutation { renameTeam(id: ID!, name: String!): Team! }
  interface Node { id: ID! }
  type Team implements Node { id: ID! name: String! members(first: Int): MemberConnection! lead: Member }
  type Member implements Node { id: ID! email: String! team: Team! }
  type MemberConnection { edges: [MemberEdge!]! pageInfo: PageInfo! }
  type MemberEdge { cursor: String! node: Member! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
`);

/** Depth and cost only: what most cases below are about. */
function measure(source: string, target: GraphQLSchema = schema) {
  const { depth, cost } = measureAll(source, target);
  return { depth, cost };
}

function measureAll(source: string, target: GraphQLSchema = schema, options = {}) {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  if (!operation || operation.kind !== 'OperationDefinition') throw new Error('no operation');
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d] as const] : [])),
  );
  return measureOperation(target, operation, (name) => fragments.get(name), options);
}

const config = {
  nodeEnv: 'test' as const,
  graphqlMaxDepth: 10,
  graphqlMaxCost: 5000,
  graphqlMaxRootFields: 1000,
  graphqlMaxAliases: 1000,
  graphqlRootFieldCost: 0,
};
const check = (source: string, c: Parameters<typeof graphqlValidationRules>[0] = config) =>
  validate(schema, parse(source), [...specifiedRules, ...graphqlValidationRules(c)]);

/** `{ team(id: 1) { lead { team { lead … { id } } } } }` with `levels` fields in all. */
function deep(levels: number): string {
  const names = ['team(id: "1")'];
  for (let i = 1; i < levels - 1; i++) names.push(i % 2 === 1 ? 'lead' : 'team');
  return `{ ${names.map((n) => `${n} { `).join('')}id${' }'.repeat(names.length)} }`;
}

describe('measureOperation', () => {
  it('counts depth as nested field levels', () => {
    expect(measure('{ tags }').depth).toBe(1);
    expect(measure('{ team(id: "1") { lead { email } } }').depth).toBe(3);
    expect(measure(deep(10)).depth).toBe(10);
    expect(measure(deep(11)).depth).toBe(11);
  });

  it('costs 1 per field and 1 per scalar list', () => {
    expect(measure('{ tags }').cost).toBe(1);
    expect(measure('{ team(id: "1") { id name lead { email } } }').cost).toBe(1 + 1 + 1 + (1 + 1));
  });

  it('multiplies a connection by `first` (default 20, at most 100), and not its edges again', () => {
    // members: 1 + n × (edges: 1 + (cursor 1 + node: 1 + id 1) + pageInfo: 1 + 1)
    const perItem = 1 + (1 + (1 + 1)) + (1 + 1);
    expect(measure('{ members(first: 5) { edges { cursor node { id } } pageInfo { hasNextPage } } }').cost).toBe(1 + 5 * perItem);
    expect(measure('{ members { edges { cursor node { id } } pageInfo { hasNextPage } } }').cost).toBe(1 + DEFAULT_PAGE_SIZE * perItem);
    expect(measure('{ members(first: 5000) { edges { cursor node { id } } pageInfo { hasNextPage } } }').cost).toBe(1 + MAX_PAGE_SIZE * perItem);
  });

  it('counts a variable `first` at the page maximum (the validated text is cached for any variables)', () => {
    const withVariable = measure('query($n: Int = 2) { members(first: $n) { edges { node { id } } } }').cost;
    expect(withVariable).toBe(1 + MAX_PAGE_SIZE * (1 + 1 + 1));
  });

  it('multiplies other lists of objects by the default page size, nested lists multiply', () => {
    expect(measure('{ teams { id } }').cost).toBe(1 + DEFAULT_PAGE_SIZE * 1);
    expect(measure('{ teams { members(first: 10) { edges { node { id } } } } }').cost).toBe(1 + DEFAULT_PAGE_SIZE * (1 + 10 * (1 + 1 + 1)));
  });

  it('follows fragments and inline fragments, and skips literal @skip / @include(if: false)', () => {
    const plain = measure('{ team(id: "1") { id name lead { email } } }');
    const fragmented = measure(`
      { team(id: "1") { ...T } }
      fragment T on Team { id ... on Team { name } lead { ...M } }
      fragment M on Member { email }`);
    expect(fragmented).toEqual(plain);
    expect(measure('{ team(id: "1") { id name @skip(if: true) lead @include(if: false) { email } } }')).toEqual({ depth: 2, cost: 2 });
    expect(measure('query($s: Boolean!) { team(id: "1") { id name @skip(if: $s) } }').cost).toBe(3);
  });

  it('stays linear on fragment bombs and terminates on fragment cycles', () => {
    const bomb = `
      { team(id: "1") { ...A } }
      fragment A on Team { lead { ...B ...B ...B } }
      fragment B on Member { team { ...C ...C ...C } }
      fragment C on Team { lead { ...D ...D ...D } }
      fragment D on Member { id email }`;
    // Each level triples the work if fragments were re-walked; the memo makes it instant and the sum is still exact.
    expect(measure(bomb)).toEqual({ depth: 5, cost: 1 + (1 + 3 * (1 + 3 * (1 + 3 * 2))) });
    expect(measure('{ team(id: "1") { ...A } } fragment A on Team { lead { team { ...A } } }')).toEqual({ depth: 3, cost: 3 });
  });

  it('ignores introspection meta-fields', () => {
    expect(measure('{ __typename team(id: "1") { __typename id } }')).toEqual({ depth: 2, cost: 2 });
    expect(measure(getIntrospectionQuery())).toEqual({ depth: 0, cost: 0 });
  });

  it('uses a numeric `complexity` field extension as the field’s own cost', () => {
    const report = new GraphQLObjectType({ name: 'Report', fields: { total: { type: GraphQLInt } } });
    const custom = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { report: { type: report, extensions: { complexity: 50 } } } }),
    });
    expect(measure('{ report { total } }', custom).cost).toBe(51);
  });

  it('measures mutations from the mutation root', () => {
    expect(measure('mutation { renameTeam(id: "1", name: "x") { id lead { id } } }')).toEqual({ depth: 3, cost: 4 });
  });

  it('has the default page size of pageSize()', () => {
    expect(pageSize(undefined)).toBe(DEFAULT_PAGE_SIZE);
  });
});

describe('graphqlValidationRules', () => {
  it('accepts a query at the depth limit and refuses one level more, naming the limit and the measured depth', () => {
    expect(check(deep(10))).toEqual([]);
    const errors = check(deep(11));
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe('Query has depth 11, above the maximum of 10 (GRAPHQL_MAX_DEPTH).');
    expect(errors[0].extensions).toEqual({ code: GRAPHQL_VALIDATION_FAILED, limit: 'GRAPHQL_MAX_DEPTH', measured: 11, maximum: 10 });
  });

  it('refuses a query over the cost limit, naming the operation, the limit and the measured cost', () => {
    const query = 'query Heavy { members(first: 100) { edges { node { team { members(first: 100) { edges { cursor } } } } } } }';
    const cost = measure(query).cost;
    expect(cost).toBeGreaterThan(5000);
    const errors = check(query);
    expect(errors.map((e) => e.message)).toEqual([
      `Query Heavy has cost ${cost}, above the maximum of 5000 (GRAPHQL_MAX_COST). ` +
        'Lower the page size (first) of members (first: 100), members.edges.node.team.members (first: 100).',
    ]);
    expect(errors[0].extensions).toMatchObject({ code: GRAPHQL_VALIDATION_FAILED, limit: 'GRAPHQL_MAX_COST', measured: cost, maximum: 5000 });
    expect(errors[0].extensions.lowerFirst).toEqual(['members', 'members.edges.node.team.members']);
    expect(check(query, { ...config, graphqlMaxCost: cost })).toEqual([]);
  });

  it('counts aliases of the same field separately', () => {
    const one = '{ teams { members(first: 50) { edges { node { id email } } } } }';
    const many = `{ ${['a', 'b', 'c'].map((alias) => `${alias}: teams { members(first: 50) { edges { node { id email } } } }`).join(' ')} }`;
    expect(check(one)).toEqual([]);
    expect(measure(many).cost).toBe(3 * measure(one).cost);
    expect(check(many).map((e) => e.extensions.limit)).toEqual(['GRAPHQL_MAX_COST']);
  });

  it('refuses introspection only in production, and keeps __typename', () => {
    const introspection = '{ __schema { queryType { name } } }';
    expect(check(introspection)).toEqual([]);
    const production = { ...config, nodeEnv: 'production' as const };
    expect(check(introspection, production)[0].message).toBe(
      'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
    );
    expect(check('{ __type(name: "Team") { name } }', production)).toHaveLength(1);
    expect(check('{ __typename team(id: "1") { __typename } }', production)).toEqual([]);
  });
});

describe('root fields, aliases and the per-root-field cost', () => {
  const strict = { ...config, graphqlMaxRootFields: 3, graphqlMaxAliases: 4, graphqlRootFieldCost: 100 };
  const aliased = (n: number, field = 'tags') => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

  it('counts root fields as distinct response names, aliases included, __typename aside', () => {
    expect(measureAll('{ tags }').rootFields).toBe(1);
    expect(measureAll('{ tags teams { id } __typename }').rootFields).toBe(2);
    expect(measureAll(aliased(5)).rootFields).toBe(5);
    // The same response name twice is one field that runs once (graphql-js merges them).
    expect(measureAll('{ tags tags a: tags }').rootFields).toBe(2);
    expect(measureAll('{ ...Q ... on Query { b: tags } } fragment Q on Query { a: tags teams { id } }').rootFields).toBe(3);
  });

  it('counts aliases at every depth, a fragment once per spread', () => {
    expect(measureAll('{ tags }').aliases).toBe(0);
    expect(measureAll('{ a: tags team(id: "1") { b: id c: name lead { d: email } } }').aliases).toBe(4);
    expect(measureAll('{ team(id: "1") { lead { ...M } x: lead { ...M } } } fragment M on Member { e: email f: id }').aliases).toBe(1 + 2 + 2);
  });

  it('adds the root-field cost to each root field only', () => {
    expect(measureAll('{ tags }', schema, { rootFieldCost: 100 }).cost).toBe(101);
    expect(measureAll('{ team(id: "1") { id lead { id } } }', schema, { rootFieldCost: 100 }).cost).toBe(100 + 1 + 1 + 2);
    expect(measureAll(aliased(3), schema, { rootFieldCost: 100 }).cost).toBe(303);
    expect(measureAll('{ __typename }', schema, { rootFieldCost: 100 }).cost).toBe(0);
  });

  it('refuses more root fields than the maximum, naming the limit, the count and the maximum', () => {
    expect(check(aliased(3), strict)).toEqual([]);
    const errors = check(aliased(4), strict);
    expect(errors.map((e) => e.message)).toEqual(['Query has 4 root fields, above the maximum of 3 (GRAPHQL_MAX_ROOT_FIELDS).']);
    expect(errors[0].extensions).toEqual({ code: GRAPHQL_VALIDATION_FAILED, limit: 'GRAPHQL_MAX_ROOT_FIELDS', measured: 4, maximum: 3 });
  });

  it('refuses more aliases than the maximum, however deep', () => {
    const deepAliases = '{ team(id: "1") { a: id b: name lead { c: id d: email e: team { id } } } }';
    const errors = check(deepAliases, strict);
    expect(errors.map((e) => e.message)).toEqual(['Query has 5 aliases, above the maximum of 4 (GRAPHQL_MAX_ALIASES).']);
    expect(errors[0].extensions).toEqual({ code: GRAPHQL_VALIDATION_FAILED, limit: 'GRAPHQL_MAX_ALIASES', measured: 5, maximum: 4 });
  });

  it('refuses many cheap root fields for their base cost', () => {
    // 3 × (100 + 1) = 303 > 300
    const errors = check(aliased(3), { ...strict, graphqlMaxCost: 300 });
    expect(errors.map((e) => e.message)).toEqual(['Query has cost 303, above the maximum of 300 (GRAPHQL_MAX_COST).']);
  });

  it('names the heaviest `first` arguments, with their page sizes, by what lowering each would save', () => {
    // teams (a list without `first`, ×20) → members (default 20) → edges → node → team → members(first: 50) → edges → cursor
    const query = '{ teams { members { edges { node { team { members(first: 50) { edges { cursor } } } } } } } }';
    const m = measureAll(query);
    // inner members: 1 + 50 × 2 = 101; node: 1 + (1 + 101) = 103; edges: 104; outer members: 1 + 20 × 104 = 2081; teams: 1 + 20 × 2081
    expect(m.cost).toBe(1 + 20 * 2081);
    expect(m.pageSizes).toEqual([
      { path: 'teams.members', first: 20, weight: 19 * 104 * 20 },
      { path: 'teams.members.edges.node.team.members', first: 50, weight: 49 * 2 * 20 * 20 },
    ]);
  });
});
