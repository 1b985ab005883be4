import { WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown } from '@nestjs/common';

/**
 * The base of every BullMQ processor here: on shutdown it stops taking jobs and
 * waits for the active ones before anything they use (the database, Redis) is
 * closed — @nestjs/bullmq alone closes workers in the same phase as those.
 */
export abstract class DrainingWorkerHost extends WorkerHost implements BeforeApplicationShutdown {
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
