import { Inject, Injectable, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { PrismaService } from '../db/prisma.service';
import { REDIS } from '../redis/redis.module';

export type CheckResult = { status: 'up' } | { status: 'down'; error: string };

export type Readiness =
  | { status: 'ok'; checks: Record<'postgres' | 'redis', CheckResult> }
  | { status: 'unavailable'; failing: string[]; checks: Record<'postgres' | 'redis', CheckResult> };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether the dependencies every process needs (PostgreSQL and Redis) answer: `/readyz` of the API and of the worker. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([
      this.probe(() => this.prisma.$queryRaw`SELECT 1`),
      this.probe(() => this.redis.ping()),
    ]);
    const checks = { postgres, redis };
    const failing = Object.entries(checks)
      .filter(([, result]) => result.status === 'down')
      .map(([name]) => name);
    return failing.length > 0 ? { status: 'unavailable', failing, checks } : { status: 'ok', checks };
  }

  private async probe(probe: () => Promise<unknown>): Promise<CheckResult> {
    try {
      await withTimeout(probe(), this.config.readinessTimeoutMs);
      return { status: 'up' };
    } catch (error) {
      // The message says what failed (refused, timeout) without credentials or SQL.
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return { status: 'down', error: message.slice(0, 200) };
    }
  }
}

@Module({ providers: [ReadinessService], exports: [ReadinessService] })
export class ReadinessModule {}
