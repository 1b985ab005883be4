import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { createRedisClient } from './redis';

/** Injection token for the process's general-purpose Redis client (not BullMQ's). */
export const REDIS = Symbol('REDIS');

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const logger = new Logger('Redis');
        let lastError = '';
        return createRedisClient(config.redisUrl, (error) => {
          // One line per distinct failure, not one per reconnection attempt.
          if (error.message !== lastError) logger.warn(`Redis connection error: ${error.message}`);
          lastError = error.message;
        }).on('ready', () => (lastError = ''));
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
