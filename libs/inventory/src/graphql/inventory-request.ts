import { Injectable } from '@nestjs/common';
import { AccessService, type Membership, byKeys, loaderFor } from '@rampart/platform';
import type DataLoader from 'dataloader';
import { CloudScopeService, type CloudScopeRow, type ScopeFilter } from '../cloud-scope.service';

/**
 * Per-request reads of the inventory resolvers, cached on the request object
 * (loaderFor) so that they die with it while the resolvers stay singletons.
 */
@Injectable()
export class InventoryRequestContext {
  constructor(
    private readonly scopes: CloudScopeService,
    private readonly access: AccessService,
  ) {}

  /** Batches every `Cluster.cloudScope` of one request and tenant into one query. */
  cloudScopeLoader(req: object, tenantId: string): DataLoader<string, CloudScopeRow | null> {
    return loaderFor<string, CloudScopeRow | null>(req, `inventory:cloudScope:${tenantId}`, async (ids) =>
      byKeys(ids, await this.scopes.byIds(tenantId, ids), (r) => r.id, () => null),
    );
  }

  /**
   * The cloud scopes the caller may see in a tenant: null for all (a tenant-wide
   * role), the scopes of their scope-level roles, or 'none'. Fields of Tenant are
   * reached through `tenants` and `me` too, whose authorization names no tenant,
   * so they cannot rely on the operation's grant.
   */
  async visibleScopes(req: object & { memberships?: Membership[] }, userId: string, tenantId: string): Promise<ScopeFilter | 'none'> {
    const memberships = req.memberships
      ?? (await loaderFor<string, Membership[]>(req, 'inventory:memberships', (users) => Promise.all(users.map((u) => this.access.memberships(u)))).load(userId));
    const mine = memberships.filter((m) => m.tenantId === tenantId);
    if (mine.length === 0) return 'none';
    if (mine.some((m) => m.cloudScopeId === null)) return null;
    return mine.map((m) => m.cloudScopeId as string);
  }
}
