import { Global, Module } from '@nestjs/common';
import { DEFAULT_POLICY_PROVISIONER } from '@rampart/inventory';
import { AuditModule, QuotaModule } from '@rampart/platform';
import { PoliciesResolver } from './graphql/policies.resolver';
import { TenantPoliciesResolver } from './graphql/tenant-policies.resolver';
import { PoliciesRepository } from './policies.repository';
import { PoliciesService } from './policies.service';

/**
 * Policies, their revisions, the default policy and the rule catalog. Global so that
 * onboarding (inventory) can inject DEFAULT_POLICY_PROVISIONER without importing this context.
 */
@Global()
@Module({
  imports: [AuditModule, QuotaModule],
  providers: [
    PoliciesRepository,
    PoliciesService,
    PoliciesResolver,
    TenantPoliciesResolver,
    { provide: DEFAULT_POLICY_PROVISIONER, useExisting: PoliciesService },
  ],
  exports: [DEFAULT_POLICY_PROVISIONER, PoliciesService],
})
export class PoliciesModule {}
