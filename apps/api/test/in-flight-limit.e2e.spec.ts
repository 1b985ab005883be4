import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { REFUSAL_HOLD_MS, registerInFlightLimit } from '@rampart/platform';
import { TestApi, useTestEnvironment } from '@rampart/testing';
import { GRAPHQL_BODY_LIMIT, createApp } from '../src/create-app';

// The in-flight cap on a real Fastify server whose handler waits for the test to let it
// go, so "in progress" is exact rather than a matter of timing; then the production
// application's body limit on /graphql.

describe('requests in progress per caller (real HTTP)', () => {
  let server: FastifyInstance;
  let base: string;
  let entered = 0;
  const waiting: (() => void)[] = [];
  const release = () => waiting.splice(0).forEach((go) => go());

  beforeAll(async () => {
    server = Fastify();
    registerInFlightLimit(server, 2);
    server.get('/slow', async () => {
      entered++;
      await new Promise<void>((go) => waiting.push(go));
      return { ok: true };
    });
    server.get('/healthz', async () => ({ status: 'ok' }));
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    release();
    await server.close();
  });

  const slow = (token: string | null, signal?: AbortSignal) =>
    fetch(`${base}/slow`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal });
  async function untilEntered(n: number): Promise<void> {
    while (entered < n) await new Promise((r) => setTimeout(r, 5));
  }

  it('a third request of one token is refused (429, Retry-After, RATE_LIMITED), held first, while two are in progress; another token and the probes are not', async () => {
    entered = 0;
    const first = [slow('token-a'), slow('token-a')];
    await untilEntered(2);
    const asked = performance.now();
    const third = await slow('token-a');
    // The refusal is held (a semantic, not a speed target: a timer never fires early), so a
    // caller ignoring 429s gets one answer per connection per second.
    expect(performance.now() - asked).toBeGreaterThanOrEqual(REFUSAL_HOLD_MS - 5);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await third.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', limit: 'in-flight', maximum: 2 });

    const other = slow('token-b');
    await untilEntered(3);
    expect((await fetch(`${base}/healthz`, { headers: { authorization: 'Bearer token-a' } })).status).toBe(200);
    release();
    for (const res of [...(await Promise.all(first)), await other]) expect(res.status).toBe(200);

    // Answers given, slots free again.
    const again = slow('token-a');
    await untilEntered(4);
    release();
    expect((await again).status).toBe(200);
  });

  it('without a token, the address is the caller; a dropped connection frees its slot', async () => {
    entered = 0;
    const dropped = new AbortController();
    const abandoned = slow(null, dropped.signal).catch((error: Error) => error);
    const kept = slow(null);
    await untilEntered(2);
    expect((await slow(null)).status).toBe(429);
    dropped.abort();
    expect(((await abandoned) as Error).name).toBe('AbortError');
    // The server notices the closed connection; then one more may start.
    let admitted: Response | undefined;
    for (let i = 0; i < 100 && !admitted; i++) {
      const pending = slow(null);
      const raced = await Promise.race([pending.then((r) => (r.status === 429 ? 'refused' : r)), untilEntered(3).then(() => 'entered' as const)]);
      if (raced === 'entered') {
        release();
        admitted = await pending;
      } else await new Promise((r) => setTimeout(r, 10));
    }
    expect(admitted?.status).toBe(200);
    expect((await kept).status).toBe(200);
  });
});

describe('GraphQL request bodies (production application)', () => {
  useTestEnvironment();
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(createApp);
  });
  afterAll(() => api?.close());

  it(`refuses a body over ${GRAPHQL_BODY_LIMIT} bytes with 413 before parsing it; one just under passes on to GraphQL`, async () => {
    const user = await api.signUp('big');
    const over = await api
      .http()
      .post('/graphql')
      .set('authorization', `Bearer ${user.token}`)
      .send({ query: '{ me { user { id } } }', variables: { pad: 'x'.repeat(GRAPHQL_BODY_LIMIT) } });
    expect(over.status).toBe(413);
    const under = await api
      .http()
      .post('/graphql')
      .set('authorization', `Bearer ${user.token}`)
      .send({ query: '{ me { user { id } } }', variables: { pad: 'x'.repeat(GRAPHQL_BODY_LIMIT - 1_000) } });
    expect(under.status).toBe(200);
    expect(under.body.data.me.user.id).toBe(user.userId);
  });
});
