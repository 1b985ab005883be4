import { Module } from '@nestjs/common';
import { AuditModule, QuotaModule } from '@rampart/platform';
import { TenancyResolver } from './graphql/tenancy.resolver';
import { InvitationBinder } from './invitation-binder';
import { TenancyRepository } from './tenancy.repository';
import { TenancyService } from './tenancy.service';

@Module({
  imports: [AuditModule, QuotaModule],
  providers: [TenancyRepository, TenancyService, TenancyResolver, InvitationBinder],
  exports: [TenancyService],
})
export class TenancyModule {}
