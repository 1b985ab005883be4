import { getQueueToken } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { ALL_QUEUES, QueueName } from './queues';

/** Every registered queue by name, with an error listener so a Redis outage is logged, never fatal. */
@Injectable()
export class QueueRegistry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Queues');
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of ALL_QUEUES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      let lastError = '';
      queue.on('error', (error) => {
        if (error.message !== lastError) this.logger.warn(`queue ${name}: ${error.message}`);
        lastError = error.message;
      });
      this.queues.set(name, queue);
    }
  }

  /**
   * Closing a queue whose connection is still being established makes BullMQ emit
   * an 'error' with no listener left (a crash at shutdown); let connections settle first.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.all().map((queue) =>
        Promise.race([queue.waitUntilReady().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]),
      ),
    );
  }

  get(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`queue ${name} is not registered`);
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }
}
