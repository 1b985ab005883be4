import { exited, freePort, type StartedProcess, startProcess, useTestEnvironment } from '@rampart/testing';

// The real API process with its real pino output (JSON lines on stdout) at LOG_LEVEL=info:
// what an operator reads in the log and scrapes from /metrics.

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [key: string]: unknown;
}

const INFO = 30;

describe('logs and metrics of GraphQL requests (real API process)', () => {
  const env = useTestEnvironment();
  let api: StartedProcess;
  let base: string;
  let token: string;
  let userId: string;
  let tenantId: string;

  const post = async (route: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return res.json() as Promise<any>;
  };
  const gql = (query: string, requestId: string, variables: Record<string, unknown> = {}, auth = true) =>
    post('/graphql', { query, variables }, { 'x-request-id': requestId, ...(auth ? { authorization: `Bearer ${token}` } : {}) });

  /** The JSON log lines written so far (the process also prints one plain "listening" line). */
  const lines = (): LogLine[] =>
    api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  /** pino-http writes the access line when the response has gone out: wait until it is there. */
  async function linesFor(requestId: string): Promise<LogLine[]> {
    for (let i = 0; i < 100; i++) {
      const found = lines().filter((l) => l.requestId === requestId);
      if (found.some((l) => l.msg === 'request completed')) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no access log line for ${requestId}:\n${api.output()}`);
  }

  beforeAll(async () => {
    const port = await freePort();
    api = await startProcess(
      'apps/api/src/main.ts',
      {
        ...process.env,
        NODE_OPTIONS: '',
        NODE_ENV: 'test',
        PORT: String(port),
        LOG_LEVEL: 'info',
        DATABASE_URL: env.current.db.appUrl,
        QUEUE_PREFIX: env.current.redisPrefix,
      },
      /listening on/,
    );
    base = `http://127.0.0.1:${port}`;
    token = (await post('/auth/dev/token', { sub: 'observability', email: 'observability@example.test' })).accessToken;
    userId = (await gql('{ me { user { id } } }', 'setup-me')).data.me.user.id;
    tenantId = (await gql('mutation { createTenant(input: { name: "Observed" }) { id } }', 'setup-tenant')).data.createTenant.id;
  });

  afterAll(async () => {
    if (!api) return;
    const done = exited(api.child);
    api.child.kill('SIGTERM');
    await done;
  });

  it.each([
    ['BAD_USER_INPUT', 'mutation { createTenant(input: { name: "" }) { id } }', true],
    ['NOT_FOUND', '{ tenant(id: "00000000-0000-4000-8000-000000000000") { id } }', true],
    ['UNAUTHENTICATED', '{ me { user { id } } }', false],
    ['GRAPHQL_VALIDATION_FAILED', '{ tenantz { id } }', true],
  ])('logs the caller’s mistake (%s) once at info, without a stack, and nothing at warn or error', async (code, query, auth) => {
    const requestId = `mistake-${code}`;
    const body = await gql(query, requestId, {}, auth);
    expect(body.errors[0].extensions.code).toBe(code);
    const logged = await linesFor(requestId);
    const mistakes = logged.filter((l) => l.code === code);
    expect(mistakes).toHaveLength(1);
    expect(mistakes[0]).toMatchObject({ level: INFO, context: 'GraphQL', msg: body.errors[0].message });
    for (const line of logged) {
      expect(line.level).toBeLessThanOrEqual(INFO);
      expect(JSON.stringify(line)).not.toMatch(/\bat [^\s]+ \(|stack/);
    }
  });

  it('puts the operation name, root fields, user and tenant on the access log line', async () => {
    const requestId = 'access-tenant';
    const body = await gql(
      'query TenantOverview($id: ID!) { tenant(id: $id) { id name } viewer: me { user { id } } }',
      requestId,
      { id: tenantId },
    );
    expect(body.errors).toBeUndefined();
    const access = (await linesFor(requestId)).find((l) => l.msg === 'request completed')!;
    expect(access).toMatchObject({
      level: INFO,
      requestId,
      userId,
      tenantId,
      operationName: 'TenantOverview',
      operationType: 'query',
      rootFields: ['tenant', 'me'],
      res: expect.objectContaining({ statusCode: 200 }),
    });
    expect(access.errorCodes).toBeUndefined();
    // The bearer token never reaches the log.
    expect(JSON.stringify(access)).not.toContain(token);
    expect(access.req).toMatchObject({ method: 'POST', url: '/graphql', headers: { authorization: '[redacted]', 'x-request-id': requestId } });
  });

  it('names the error codes on the access line of a request that failed', async () => {
    const requestId = 'access-error';
    await gql('mutation Rename { createTenant(input: { name: "" }) { id } }', requestId);
    const access = (await linesFor(requestId)).find((l) => l.msg === 'request completed')!;
    expect(access).toMatchObject({ userId, operationName: 'Rename', operationType: 'mutation', rootFields: ['createTenant'], errorCodes: ['BAD_USER_INPUT'] });
  });

  it('exports per-operation metrics labelled by root field (never the client’s operation name) and errors by code', async () => {
    await gql('query SomeClientChosenName { apiInfo { name } }', 'metrics-1');
    await gql('query AnotherName { apiInfo { name } }', 'metrics-2');
    const text = await (await fetch(`${base}/metrics`)).text();
    const sample = (name: string, labels: string) => {
      const match = text.match(new RegExp(`^${name}\\{${labels.replace(/[{}]/g, '\\$&')}\\} (\\S+)$`, 'm'));
      return match ? Number(match[1]) : undefined;
    };
    // Requests of this file, counted by hand: apiInfo twice; createTenant once ok (setup) and twice with BAD_USER_INPUT.
    expect(sample('rampart_graphql_operations_total', 'type="query",field="apiInfo",outcome="ok"')).toBe(2);
    expect(sample('rampart_graphql_operation_duration_seconds_count', 'type="query",field="apiInfo"')).toBe(2);
    expect(sample('rampart_graphql_operations_total', 'type="mutation",field="createTenant",outcome="ok"')).toBe(1);
    expect(sample('rampart_graphql_operations_total', 'type="mutation",field="createTenant",outcome="error"')).toBe(2);
    expect(sample('rampart_graphql_errors_total', 'code="BAD_USER_INPUT"')).toBe(2);
    expect(sample('rampart_graphql_errors_total', 'code="NOT_FOUND"')).toBe(1);
    expect(sample('rampart_graphql_errors_total', 'code="UNAUTHENTICATED"')).toBe(1);
    expect(sample('rampart_graphql_errors_total', 'code="GRAPHQL_VALIDATION_FAILED"')).toBe(1);
    expect(text).not.toContain('SomeClientChosenName');
    expect(text).not.toContain('TenantOverview');
    // A document refused by validation never becomes an operation label.
    expect(text).not.toContain('tenantz');
  });
});
