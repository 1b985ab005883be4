import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PrincipalRateLimitGuard } from './rate-limit.guard';
import { SpentBudgets } from './in-flight-limit';
import { RateLimitService } from './rate-limit.service';

/**
 * Redis-counted request budgets: the per-principal guard (global; import after
 * AuthModule and before AuthzModule, guards run in that order) and the service any
 * guard uses for its own kind (the tenant, after authorization; a sensor, later).
 * Needs RedisModule and ConfigModule.
 */
@Global()
@Module({
  providers: [SpentBudgets, RateLimitService, PrincipalRateLimitGuard, { provide: APP_GUARD, useExisting: PrincipalRateLimitGuard }],
  exports: [RateLimitService, SpentBudgets],
})
export class RateLimitModule {}
