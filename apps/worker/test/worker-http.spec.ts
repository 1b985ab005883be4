import type { INestApplicationContext } from '@nestjs/common';
import { HousekeepingJobName, MetricsService, QueueName, ReadinessService, loadConfig, redisOptions } from '@rampart/platform';
import { DisposableRedisServer, useTestEnvironment } from '@rampart/testing';
import { Queue, QueueEvents } from 'bullmq';
import { createWorker } from '../src/create-worker';
import { WorkerHttpServer } from '../src/http/worker-http.server';

async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// The worker module as production builds it, its probe server over real HTTP, a private
// Redis this file may stop. The real process (WORKER_PORT, SIGTERM) is in shutdown.e2e.spec.ts.
describe('worker /healthz, /readyz, /metrics (real HTTP, real PostgreSQL and Redis)', () => {
  const env = useTestEnvironment();
  let redisServer: DisposableRedisServer;
  let worker: INestApplicationContext;
  let base: string;

  beforeAll(async () => {
    redisServer = await DisposableRedisServer.start();
    process.env.REDIS_URL = redisServer.url;
    // The first probe opens the database connection; a loaded test machine must not turn that into a 503.
    process.env.READINESS_TIMEOUT_MS = '10000';
    worker = await createWorker();
    const port = await worker.get(WorkerHttpServer).listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await worker?.close();
    await redisServer?.stop();
    delete process.env.REDIS_URL;
    delete process.env.READINESS_TIMEOUT_MS;
  });

  it('GET /metrics in production: only with METRICS_TOKEN, and closed (404) when none is configured', async () => {
    const token = 't'.repeat(40);
    const production = (extra: Record<string, string>) => loadConfig({ NODE_ENV: 'production', OIDC_ISSUER_URL: 'https://issuer.invalid', ...extra });
    const serve = async (config: ReturnType<typeof loadConfig>) => {
      const server = new WorkerHttpServer(worker.get(ReadinessService), worker.get(MetricsService), config);
      const port = await server.listen(0, '127.0.0.1');
      return { server, url: `http://127.0.0.1:${port}/metrics` };
    };
    const guarded = await serve(production({ METRICS_TOKEN: token }));
    const closed = await serve(production({}));
    try {
      expect((await fetch(guarded.url)).status).toBe(401);
      expect((await fetch(guarded.url, { headers: { authorization: `Bearer ${'x'.repeat(40)}` } })).status).toBe(401);
      const scraped = await fetch(guarded.url, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^# HELP /m);
      expect((await fetch(closed.url)).status).toBe(404);
    } finally {
      await guarded.server.onApplicationShutdown();
      await closed.server.onApplicationShutdown();
    }
  });

  it('GET /healthz answers 200', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with PostgreSQL and Redis up', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('GET /metrics counts the jobs this worker finished, by queue and outcome, with the process metrics', async () => {
    const connection = redisOptions(redisServer.url);
    const producer = new Queue(QueueName.housekeeping, { connection, prefix: env.current.redisPrefix });
    const events = new QueueEvents(QueueName.housekeeping, { connection, prefix: env.current.redisPrefix });
    try {
      await events.waitUntilReady();
      const failing = await producer.add('no-such-job', {}, { attempts: 1 });
      await expect(failing.waitUntilFinished(events, 15_000)).rejects.toThrow(/unknown housekeeping job/);
      const job = await producer.add(HousekeepingJobName.pruneFinishedJobs, { olderThanMs: 3_600_000, limit: 10 });
      await job.waitUntilFinished(events, 15_000);
    } finally {
      await producer.close();
      await events.close();
    }
    // The counter is bumped by the worker's own event, which may land just after the producer hears of it.
    await eventually(async () => {
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      // One failed job; at least one completed (the schedule registered at start may have run too).
      expect(text).toMatch(/^rampart_worker_jobs_total\{queue="housekeeping",outcome="failed"\} 1$/m);
      expect(text).toMatch(/^rampart_worker_jobs_total\{queue="housekeeping",outcome="completed"\} [1-9]\d*$/m);
      expect(text).toMatch(/^rampart_worker_job_duration_seconds_count\{queue="housekeeping",outcome="failed"\} 1$/m);
      expect(text).toContain('rampart_process_cpu_seconds_total');
    });
  });

  it('answers anything else with 404, and other methods with 405', async () => {
    expect((await fetch(`${base}/graphql`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('reports Redis down with 503 naming it, keeps /healthz up, and recovers', async () => {
    await redisServer.stop();
    await eventually(async () => {
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { failing: string[]; checks: Record<string, { status: string }> };
      expect(body.failing).toEqual(['redis']);
      expect(body.checks.postgres).toEqual({ status: 'up' });
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await redisServer.start();
    await eventually(async () => expect((await fetch(`${base}/readyz`)).status).toBe(200));
  });

  // Last: it starts the shutdown of this worker's probe server.
  it('answers /readyz with 503 once shutdown has begun (jobs draining), while /healthz stays 200', async () => {
    worker.get(WorkerHttpServer).beforeApplicationShutdown();
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', failing: ['shutting-down'] });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
