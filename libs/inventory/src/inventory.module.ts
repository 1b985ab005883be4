import { Module } from '@nestjs/common';
import { TenancyModule } from '@rampart/tenancy';
import { CloudScopeService } from './cloud-scope.service';
import { ClusterService } from './cluster.service';
import { CloudScopeResolver } from './graphql/cloud-scope.resolver';
import { ClusterResolver } from './graphql/cluster.resolver';
import { InventoryRequestContext } from './graphql/inventory-request';
import { TenantInventoryResolver } from './graphql/tenant-inventory.resolver';
import { InventoryRepository } from './inventory.repository';

/**
 * Cloud scopes, clusters and namespaces. Onboarding needs DEFAULT_POLICY_PROVISIONER
 * (declared here, in default-policy.port.ts), which the policies context provides
 * globally: inventory must not depend on policies (policies depends on inventory's
 * scopes), so it neither imports nor provides it.
 */
@Module({
  imports: [TenancyModule],
  providers: [
    InventoryRepository,
    CloudScopeService,
    ClusterService,
    InventoryRequestContext,
    CloudScopeResolver,
    ClusterResolver,
    TenantInventoryResolver,
  ],
  exports: [CloudScopeService, ClusterService],
})
export class InventoryModule {}
