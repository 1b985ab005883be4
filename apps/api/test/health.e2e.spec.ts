import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DisposableRedisServer, eventually, useTestEnvironment } from '@rampart/testing';
import request from 'supertest';
import { createApp } from '../src/create-app';

describe('health, readiness, metrics, GraphQL (e2e)', () => {
  useTestEnvironment();
  let redisServer: DisposableRedisServer;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    // A private Redis so this file can take it down without touching other files.
    redisServer = await DisposableRedisServer.start();
    process.env.REDIS_URL = redisServer.url;
    app = await createApp();
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await redisServer?.stop();
  });

  const http = () => request(app.getHttpServer());

  it('GET /healthz answers 200', async () => {
    await http().get('/healthz').expect(200, { status: 'ok' });
  });

  it('GET /readyz answers 200 with both dependencies up', async () => {
    const res = await http().get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('a GraphQL request works', async () => {
    const res = await http()
      .post('/graphql')
      .send({ query: '{ apiInfo { name version serverTime } }' })
      .expect(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.apiInfo.name).toBe('Rampart');
    expect(new Date(res.body.data.apiInfo.serverTime).getTime()).toBeGreaterThan(0);
  });

  it('refuses batched GraphQL requests', async () => {
    const res = await http()
      .post('/graphql')
      .send([{ query: '{ apiInfo { name } }' }, { query: '{ apiInfo { name } }' }]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(res.body)).not.toContain('"Rampart"');
  });

  it('echoes a caller request id, or makes one', async () => {
    const given = await http().get('/healthz').set('x-request-id', 'abc-123').expect(200);
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await http().get('/healthz').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /metrics exposes HTTP and queue metrics in Prometheus format', async () => {
    await http().get('/healthz');
    const res = await http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(/rampart_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} \d+/);
    expect(res.text).toMatch(/rampart_queue_jobs\{queue="housekeeping",state="waiting"\} 0/);
    expect(res.text).toContain('rampart_process_cpu_seconds_total');
  });

  it('reports Redis down with 503 naming it, stays up, and recovers when Redis returns', async () => {
    await redisServer.stop();
    await eventually(async () => {
      const res = await http().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.failing).toEqual(['redis']);
      expect(res.body.checks.postgres).toEqual({ status: 'up' });
      expect(res.body.checks.redis.status).toBe('down');
    });
    // The process keeps serving what does not need Redis.
    await http().get('/healthz').expect(200);
    const gql = await http().post('/graphql').send({ query: '{ apiInfo { name } }' }).expect(200);
    expect(gql.body.data.apiInfo.name).toBe('Rampart');
    await http().get('/metrics').expect(200);

    await redisServer.start();
    await eventually(async () => {
      await http().get('/readyz').expect(200);
    }, 15_000);
  });
});
