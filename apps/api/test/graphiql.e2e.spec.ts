import { TestApi, useTestEnvironment } from '@rampart/testing';

// GraphiQL (the in-browser IDE) is a development convenience: served when NODE_ENV is
// development, absent in test and production (production: graphql-production.e2e.spec.ts).

describe.each([
  ['development', 200],
  ['test', 404],
])('GraphiQL with NODE_ENV=%s (e2e)', (nodeEnv, status) => {
  useTestEnvironment();
  let api: TestApi;
  const saved = process.env.NODE_ENV;

  beforeAll(async () => {
    process.env.NODE_ENV = nodeEnv;
    const { createApp } = await import('../src/create-app');
    api = await TestApi.start(createApp);
  });
  afterAll(async () => {
    await api?.close();
    process.env.NODE_ENV = saved;
  });

  it(`answers GET /graphiql with ${status}`, async () => {
    const res = await api.http().get('/graphiql');
    expect(res.status).toBe(status);
    if (status === 200) expect(res.text).toMatch(/<html/i);
  });

  it('serves GraphQL at /graphql either way', async () => {
    const result = await api.gql('{ apiInfo { name } }');
    expect(result.data).toEqual({ apiInfo: { name: 'Rampart' } });
  });
});
