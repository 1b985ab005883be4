import { Module } from '@nestjs/common';
import { AuditModule } from '@rampart/platform';
import { TenancyResolver } from './graphql/tenancy.resolver';
import { InvitationBinder } from './invitation-binder';
import { TenancyRepository } from './tenancy.repository';
import { TenancyService } from './tenancy.service';

@Module({
  imports: [AuditModule],
  providers: [TenancyRepository, TenancyService, TenancyResolver, InvitationBinder],
  exports: [TenancyService],
})
export class TenancyModule {}
