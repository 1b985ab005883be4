import { Injectable } from '@nestjs/common';
import { byKeys, loaderFor } from '@rampart/platform';
import type DataLoader from 'dataloader';
import { CloudScopeService, type CloudScopeRow } from '../cloud-scope.service';

/**
 * Per-request reads of the inventory resolvers, cached on the request object
 * (loaderFor) so that they die with it while the resolvers stay singletons.
 */
@Injectable()
export class InventoryRequestContext {
  constructor(
    private readonly scopes: CloudScopeService,
  ) {}

  /** Batches every `Cluster.cloudScope` of one request and tenant into one query. */
  cloudScopeLoader(req: object, tenantId: string): DataLoader<string, CloudScopeRow | null> {
    return loaderFor<string, CloudScopeRow | null>(req, `inventory:cloudScope:${tenantId}`, async (ids) =>
      byKeys(ids, await this.scopes.byIds(tenantId, ids), (r) => r.id, () => null),
    );
  }
}
