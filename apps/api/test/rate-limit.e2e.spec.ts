import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule, ConfigModule, DbModule, RateLimitModule, RedisModule } from '@rampart/platform';
import { DisposableRedisServer, TestApi, type TestUser, useTestEnvironment } from '@rampart/testing';
import Redis from 'ioredis';
import { createApp } from '../src/create-app';

// Budgets small enough to spend in a test, and a window long enough that none
// ends while it runs (so every count below is exact).
const PER_PRINCIPAL = 30;
const PER_TENANT = 20;
const PER_IP = 3;
const WINDOW_MS = 600_000;

const ME = '{ me { user { id } } }';
// 20 root fields: a request is charged once, not once per field.
const ME_X20 = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: me { user { id } }`).join(' ')} }`;
const TENANT = 'query($id: ID!) { tenant(id: $id) { id } }';

function withEnv<T>(vars: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return start().finally(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

describe('rate limits (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let redis: Redis;

  beforeAll(async () => {
    api = await withEnv(
      {
        RATE_LIMIT_PER_PRINCIPAL: String(PER_PRINCIPAL),
        RATE_LIMIT_PER_TENANT: String(PER_TENANT),
        RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
      },
      () => TestApi.start(createApp),
    );
    redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379/0');
  });
  afterAll(async () => {
    await api?.close();
    redis?.disconnect();
  });

  /** Sends `send` until the first refusal; the number of accepted requests and the refusal. */
  async function untilRefused(send: () => Promise<{ status: number; body: any; headers: Record<string, string> }>, atMost: number) {
    for (let accepted = 0; accepted <= atMost; accepted++) {
      const res = await send();
      if (res.status === 429) return { accepted, refusal: res };
      expect(res.body.errors).toBeUndefined();
    }
    throw new Error(`no refusal after ${atMost + 1} requests`);
  }
  const post = (query: string, variables: Record<string, unknown>, token?: string) => {
    const req = api.http().post('/graphql').send({ query, variables });
    if (token) req.set('authorization', `Bearer ${token}`);
    return req;
  };

  describe('per principal', () => {
    let spender: TestUser;
    let bystander: TestUser;
    beforeAll(async () => {
      spender = await api.signUp('spender');
      bystander = await api.signUp('bystander');
    });

    it('a user who spends the budget gets 429, Retry-After and RATE_LIMITED; each request counts once however many aliases', async () => {
      // signUp already made one request.
      const { accepted, refusal } = await untilRefused(() => post(ME_X20, {}, spender.token), PER_PRINCIPAL);
      expect(accepted).toBe(PER_PRINCIPAL - 1);
      const retryAfter = Number(refusal.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
      expect(refusal.body.data).toBeNull();
      expect(refusal.body.errors[0]).toMatchObject({
        message: `Rate limit exceeded for this principal: at most ${PER_PRINCIPAL} requests per 600 s; retry in ${retryAfter} s`,
        extensions: { code: 'RATE_LIMITED', limit: 'principal', maximum: PER_PRINCIPAL, windowSeconds: 600, retryAfter },
      });
      // Every alias got the same answer, none ran.
      for (const error of refusal.body.errors) expect(error.extensions.code).toBe('RATE_LIMITED');
    });

    it('once refused, the same token is refused before its request is even parsed (no GraphQL, no Redis)', async () => {
      // A document that GraphQL would refuse as a syntax error (400): the early refusal answers first.
      const res = await api.http().post('/graphql').set('authorization', `Bearer ${spender.token}`).send({ query: '{ me {' });
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'principal' });
    });

    it('another user is unaffected', async () => {
      const res = await post(ME, {}, bystander.token);
      expect(res.status).toBe(200);
      expect(res.body.data.me.user.id).toBe(bystander.userId);
    });

    it('a forged token naming a user spends nothing of that user’s budget', async () => {
      const victim = await api.signUp('victim');
      const forged = `${victim.token.slice(0, -6)}AAAAAA`;
      for (let i = 0; i < PER_PRINCIPAL + 5; i++) {
        const res = await post(ME, {}, forged);
        expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
      // Only the victim's own signUp request was counted.
      expect(await redis.get(`${env.current.redisPrefix}:ratelimit:principal:${victim.userId}`)).toBe('1');
      const { accepted } = await untilRefused(() => post(ME, {}, victim.token), PER_PRINCIPAL);
      expect(accepted).toBe(PER_PRINCIPAL - 1);
    });
  });

  describe('per tenant', () => {
    it('a tenant whose budget is spent refuses its operations; the same users still reach another tenant and untargeted fields', async () => {
      const owner = await api.signUp('owner');
      const member = await api.signUp('member');
      const busy = (await api.gqlOk<any>('mutation { createTenant(input: { name: "Busy" }) { id } }', {}, owner.token)).createTenant.id;
      const quiet = (await api.gqlOk<any>('mutation { createTenant(input: { name: "Quiet" }) { id } }', {}, owner.token)).createTenant.id;
      // The assignment is the busy tenant's first charged request.
      await api.gqlOk(
        'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }',
        { input: { tenantId: busy, principalEmail: member.email, role: 'SECURITY_READER' } },
        owner.token,
      );
      // Two aliases on the same tenant: one charge.
      const twice = 'query($id: ID!) { a: tenant(id: $id) { id } b: tenant(id: $id) { name } }';
      const { accepted, refusal } = await untilRefused(() => post(twice, { id: busy }, member.token), PER_TENANT);
      expect(accepted).toBe(PER_TENANT - 1);
      expect(Number(refusal.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refusal.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'tenant', maximum: PER_TENANT });

      // The owner is refused on the busy tenant too: the budget is the tenant's, not the member's.
      const ownerOnBusy = await post(TENANT, { id: busy }, owner.token);
      expect(ownerOnBusy.status).toBe(429);
      const ownerOnQuiet = await post(TENANT, { id: quiet }, owner.token);
      expect(ownerOnQuiet.status).toBe(200);
      expect(ownerOnQuiet.body.data.tenant.id).toBe(quiet);
      const memberMe = await post(ME, {}, member.token);
      expect(memberMe.status).toBe(200);
    });
  });

  describe('per IP, before authentication', () => {
    let ipApi: TestApi;
    beforeAll(async () => {
      // A prefix of its own (inside this file's) so the requests above do not count.
      ipApi = await withEnv(
        { RATE_LIMIT_PER_IP: String(PER_IP), RATE_LIMIT_WINDOW_MS: String(WINDOW_MS), QUEUE_PREFIX: `${env.current.redisPrefix}:ip` },
        () => TestApi.start(createApp),
      );
    });
    afterAll(() => ipApi?.close());

    it('refuses GraphQL with a GraphQL-shaped 429, REST with a 429 body, and never the probes', async () => {
      for (let i = 0; i < PER_IP; i++) expect((await ipApi.gql('{ apiInfo { name } }')).status).toBe(200);
      const graphql = await ipApi.http().post('/graphql').send({ query: '{ apiInfo { name } }' });
      expect(graphql.status).toBe(429);
      const retryAfter = Number(graphql.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(graphql.body).toEqual({
        data: null,
        errors: [
          {
            message: `Rate limit exceeded for this IP address: at most ${PER_IP} requests per 600 s; retry in ${retryAfter} s`,
            extensions: { code: 'RATE_LIMITED', limit: 'ip', maximum: PER_IP, windowSeconds: 600, retryAfter },
          },
        ],
      });
      const rest = await ipApi.http().post('/auth/dev/token').send({ sub: 'x', email: 'x@example.test' });
      expect(rest.status).toBe(429);
      expect(rest.headers['retry-after']).toBeDefined();
      expect(rest.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', limit: 'ip' });
      for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await ipApi.http().get(probe)).status).toBe(200);
    });
  });
});

// A REST route behind authentication, as a sensor route will be: the same service
// charges any principal kind and answers 429 with Retry-After over plain HTTP.
@Controller()
class WhoController {
  @Get('who')
  who(): { ok: true } {
    return { ok: true };
  }
}

@Module({
  imports: [ConfigModule, DbModule, RedisModule, AuthModule.forRoot({ localIssuer: true }), RateLimitModule],
  controllers: [WhoController],
})
class RestAppModule {}

describe('rate limits on REST routes, and without Redis (e2e)', () => {
  useTestEnvironment();
  let redisServer: DisposableRedisServer;
  let app: NestFastifyApplication;
  let api: TestApi;

  beforeAll(async () => {
    redisServer = await DisposableRedisServer.start();
    api = await withEnv({ REDIS_URL: redisServer.url, RATE_LIMIT_PER_PRINCIPAL: '2', RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) }, async () => {
      app = await NestFactory.create<NestFastifyApplication>(RestAppModule, new FastifyAdapter(), { logger: false });
      return TestApi.start(async () => app);
    });
  });
  afterAll(async () => {
    await api?.close();
    await redisServer?.stop();
  });

  it('answers 429 with Retry-After and RATE_LIMITED on a REST route once the principal budget is spent', async () => {
    const token = (await api.http().post('/auth/dev/token').send({ sub: 'rest|one', email: 'one@example.test' }).expect(200)).body.accessToken;
    const other = (await api.http().post('/auth/dev/token').send({ sub: 'rest|two', email: 'two@example.test' }).expect(200)).body.accessToken;
    await api.http().get('/who').set('authorization', `Bearer ${token}`).expect(200);
    await api.http().get('/who').set('authorization', `Bearer ${token}`).expect(200);
    const refused = await api.http().get('/who').set('authorization', `Bearer ${token}`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', limit: 'principal', maximum: 2 });
    await api.http().get('/who').set('authorization', `Bearer ${other}`).expect(200);
  });

  it('fails open while Redis is down (readiness reports it), and counts again when it returns', async () => {
    const token = (await api.http().post('/auth/dev/token').send({ sub: 'rest|three', email: 'three@example.test' }).expect(200)).body.accessToken;
    await redisServer.stop();
    for (let i = 0; i < 5; i++) await api.http().get('/who').set('authorization', `Bearer ${token}`).expect(200);
    await redisServer.start();
    // ioredis reconnects by itself; until it has, requests still pass.
    let status = 200;
    for (let i = 0; i < 200 && status === 200; i++) {
      status = (await api.http().get('/who').set('authorization', `Bearer ${token}`)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(429);
  });
});
