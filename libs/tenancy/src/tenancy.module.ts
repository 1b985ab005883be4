import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessService, AuditModule, AuthorizationGuard } from '@rampart/platform';
import { TenancyResolver } from './graphql/tenancy.resolver';
import { TenancyRepository } from './tenancy.repository';
import { TenancyService } from './tenancy.service';

@Module({
  imports: [AuditModule],
  providers: [
    AccessService,
    TenancyRepository,
    TenancyService,
    TenancyResolver,
    AuthorizationGuard,
    // After authentication (AuthModule's global guard, imported first), the authorization table.
    { provide: APP_GUARD, useExisting: AuthorizationGuard },
  ],
  exports: [TenancyService, AccessService],
})
export class TenancyModule {}
