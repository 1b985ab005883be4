import { Controller, Get, Inject, Res } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, PrismaService, Public, REDIS } from '@rampart/platform';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';

type CheckResult = { status: 'up' } | { status: 'down'; error: string };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Probes and scrapes come from the platform, without a user token.
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness: the process answers. Never depends on PostgreSQL or Redis. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL and Redis both answer; otherwise 503 naming the failing ones. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply) {
    const [postgres, redis] = await Promise.all([
      this.check(() => this.prisma.$queryRaw`SELECT 1`),
      this.check(() => this.redis.ping()),
    ]);
    const checks = { postgres, redis };
    const failing = Object.entries(checks)
      .filter(([, result]) => result.status === 'down')
      .map(([name]) => name);
    if (failing.length > 0) {
      reply.status(503);
      return { status: 'unavailable', failing, checks };
    }
    return { status: 'ok', checks };
  }

  private async check(probe: () => Promise<unknown>): Promise<CheckResult> {
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
