import { Controller, Get, Res } from '@nestjs/common';
import { Public, ReadinessService } from '@rampart/platform';
import type { FastifyReply } from 'fastify';

// Probes and scrapes come from the platform, without a user token.
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Liveness: the process answers. Never depends on PostgreSQL or Redis. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL and Redis both answer; otherwise 503 naming the failing ones. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply) {
    const readiness = await this.readiness.check();
    if (readiness.status !== 'ok') reply.status(503);
    return readiness;
  }
}
