import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessService } from './access.service';
import { AuthorizationGuard } from './authorization.guard';

/**
 * The authorization table's guard (global, after authentication) and the access
 * reads every context shares. Import after AuthModule: guards run in that order.
 */
@Global()
@Module({
  providers: [AccessService, AuthorizationGuard, { provide: APP_GUARD, useExisting: AuthorizationGuard }],
  exports: [AccessService],
})
export class AuthzModule {}
