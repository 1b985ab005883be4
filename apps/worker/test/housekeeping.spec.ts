import type { INestApplicationContext } from '@nestjs/common';
import { HousekeepingJobName, type PruneFinishedJobsResult, QueueName, QueueRegistry, redisOptions } from '@rampart/platform';
import { TEST_REDIS_URL, useTestEnvironment } from '@rampart/testing';
import { Queue, QueueEvents } from 'bullmq';
import { createWorker } from '../src/create-worker';

describe('housekeeping job (worker, real Redis)', () => {
  const env = useTestEnvironment();
  let worker: INestApplicationContext;
  let events: QueueEvents;
  let producer: Queue;

  beforeAll(async () => {
    worker = await createWorker();
    await worker.init();
    // A producer and an event listener of their own, as the API would be.
    const connection = redisOptions(TEST_REDIS_URL);
    producer = new Queue(QueueName.housekeeping, { connection, prefix: env.current.redisPrefix });
    events = new QueueEvents(QueueName.housekeeping, { connection, prefix: env.current.redisPrefix });
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await producer?.close();
    await events?.close();
    await worker?.close();
  });

  it('registers the repeating schedule at start', async () => {
    const schedulers = await producer.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain('housekeeping:prune-finished-jobs');
  });

  it('round trip: a job enqueued by a producer is processed by the worker and removes finished jobs', async () => {
    const first = await producer.add(HousekeepingJobName.pruneFinishedJobs, { olderThanMs: 3_600_000, limit: 100 });
    const firstResult = (await first.waitUntilFinished(events, 15_000)) as PruneFinishedJobsResult;
    // Nothing is an hour old yet.
    expect(firstResult.removed[QueueName.housekeeping]).toEqual({ completed: 0, failed: 0 });
    // The schedule's own first run (at start) may have finished too.
    const { completed } = await producer.getJobCounts('completed');
    expect(completed).toBeGreaterThanOrEqual(1);

    const second = await producer.add(HousekeepingJobName.pruneFinishedJobs, { olderThanMs: 0, limit: 100 });
    const secondResult = (await second.waitUntilFinished(events, 15_000)) as PruneFinishedJobsResult;
    // Every job finished before it is removed now, the first one among them.
    expect(secondResult.removed[QueueName.housekeeping].completed).toBeGreaterThanOrEqual(completed);
    expect(await producer.getJob(first.id!)).toBeUndefined();
  });

  it('fails an unknown job name instead of dropping it', async () => {
    const job = await producer.add('no-such-job', {}, { attempts: 1 });
    await expect(job.waitUntilFinished(events, 15_000)).rejects.toThrow(/unknown housekeeping job "no-such-job"/);
  });

  it('uses the queue registry of the worker with the test prefix', () => {
    const queue = worker.get(QueueRegistry).get(QueueName.housekeeping);
    expect(queue.opts.prefix).toBe(env.current.redisPrefix);
  });
});
