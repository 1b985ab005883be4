import { Injectable } from '@nestjs/common';
import {
  AppError,
  AuditLogService,
  type Caller,
  type Connection,
  OutboxEventType,
  OutboxService,
  Prisma,
  PrismaService,
  QuotaService,
  type TenantTx,
  childPage,
  CursorKey,
  decodeCursor,
  isUuid,
  pageSize,
  toConnection,
} from '@rampart/platform';
import type { ScopeFilter } from './cloud-scope.service';
import { decodeCreatedKey } from './created-key';
import { checkDistributionMatchesCloud, normaliseClusterName, normaliseVersion } from './inventory-input';
import { type Distribution, InventoryRepository } from './inventory.repository';
import { hashSensorToken, newSensorToken } from './sensor-token';

type ClusterRow = NonNullable<Awaited<ReturnType<InventoryRepository['findLiveCluster']>>>;

function clusterView(row: ClusterRow) {
  // Bundles do not exist yet in this context: no desired or acknowledged version to show.
  return { ...row, desiredBundleVersion: null, appliedBundleVersion: null };
}
export type ClusterView = ReturnType<typeof clusterView>;

export interface ClusterWithToken {
  cluster: ClusterView;
  sensorToken: string;
}

/** Clusters and their sensor credentials. The token is returned once and stored only as a hash. */
@Injectable()
export class ClusterService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditLogService,
    private readonly outbox: OutboxService,
    private readonly repo: InventoryRepository,
    private readonly quotas: QuotaService,
  ) {}

  async register(
    caller: Caller,
    tenantId: string,
    input: {
      cloudScopeId: string;
      name: string;
      distribution: Distribution;
      kubernetesVersion: string;
      sensorVersion: string;
      misconfigurationPoliciesEnabled: boolean;
    },
  ): Promise<ClusterWithToken> {
    const name = normaliseClusterName(input.name);
    const kubernetesVersion = normaliseVersion(input.kubernetesVersion, 'input.kubernetesVersion');
    const sensorVersion = normaliseVersion(input.sensorVersion, 'input.sensorVersion');
    const sensorToken = newSensorToken();

    return this.prisma.withTenant(tenantId, async (tx) => {
      await this.quotas.lockTenantCreations(tx);
      this.quotas.assertRoom('clustersPerTenant', await this.repo.countLiveClustersOfTenant(tx));
      // FOR SHARE: an offboarding of this scope waits for us (and we for it), so no
      // cluster is ever registered in a scope that has just been offboarded.
      if (!(await this.repo.lockLiveCloudScope(tx, input.cloudScopeId, 'SHARE'))) {
        throw new AppError('NOT_FOUND', 'Cloud scope not found', 'input.cloudScopeId');
      }
      const scope = (await this.repo.findLiveCloudScope(tx, input.cloudScopeId))!;
      checkDistributionMatchesCloud(input.distribution, scope.provider);
      let row: ClusterRow;
      try {
        row = await this.repo.createCluster(tx, {
          cloudScopeId: input.cloudScopeId,
          name,
          distribution: input.distribution,
          kubernetesVersion,
          sensorVersion,
          misconfigurationPoliciesEnabled: input.misconfigurationPoliciesEnabled,
          sensorTokenHash: hashSensorToken(sensorToken),
          credentialRotatedAt: new Date(),
        });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw AppError.conflict(`A cluster named ${name} is already registered in this cloud scope`, 'input.name');
        }
        throw error;
      }
      const cluster = clusterView(row);
      await this.record(tx, caller, 'registerCluster', null, cluster);
      return { cluster, sensorToken };
    });
  }

  /**
   * Records an upgrade (or a rename, or policies switched on or off) without
   * re-registering, so the cluster keeps its id, history and sensor token. Whether it
   * can enforce is derived from these fields on every read; the outbox row makes its
   * bundle recompile.
   */
  async update(
    caller: Caller,
    tenantId: string,
    input: {
      id: string;
      expectedVersion?: number | null;
      name: string;
      kubernetesVersion: string;
      sensorVersion: string;
      misconfigurationPoliciesEnabled: boolean;
    },
  ): Promise<ClusterView> {
    if (!isUuid(input.id)) throw AppError.badInput('input.id', 'must be a UUID');
    const name = normaliseClusterName(input.name);
    const kubernetesVersion = normaliseVersion(input.kubernetesVersion, 'input.kubernetesVersion');
    const sensorVersion = normaliseVersion(input.sensorVersion, 'input.sensorVersion');
    return this.prisma.withTenant(tenantId, async (tx) => {
      if (!(await this.repo.lockLiveCluster(tx, input.id))) throw AppError.notFound('Cluster');
      const before = await this.liveCluster(tx, input.id);
      const expected = input.expectedVersion;
      if (expected !== undefined && expected !== null && expected !== before.version) {
        throw AppError.conflict(
          `The cluster is at version ${before.version}, not expectedVersion ${expected}; reload it and try again`,
          'input.expectedVersion',
        );
      }
      let row: ClusterRow;
      try {
        row = await this.repo.updateCluster(tx, input.id, {
          name,
          kubernetesVersion,
          sensorVersion,
          misconfigurationPoliciesEnabled: input.misconfigurationPoliciesEnabled,
        });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw AppError.conflict(`A cluster named ${name} is already registered in this cloud scope`, 'input.name');
        }
        throw error;
      }
      const after = clusterView(row);
      await this.record(tx, caller, 'updateCluster', before, after);
      return after;
    });
  }

  async rotateCredential(caller: Caller, tenantId: string, id: string): Promise<ClusterWithToken> {
    const sensorToken = newSensorToken();
    return this.prisma.withTenant(tenantId, async (tx) => {
      if (!(await this.repo.lockLiveCluster(tx, id))) throw AppError.notFound('Cluster');
      const before = await this.liveCluster(tx, id);
      const after = clusterView(await this.repo.updateCluster(tx, id, { sensorTokenHash: hashSensorToken(sensorToken), credentialRotatedAt: new Date() }));
      await this.record(tx, caller, 'rotateClusterCredential', before, after);
      return { cluster: after, sensorToken };
    });
  }

  async deregister(caller: Caller, tenantId: string, id: string): Promise<ClusterView> {
    return this.prisma.withTenant(tenantId, async (tx) => {
      if (!(await this.repo.lockLiveCluster(tx, id))) throw AppError.notFound('Cluster');
      const before = await this.liveCluster(tx, id);
      const after = clusterView(await this.repo.updateCluster(tx, id, { deregisteredAt: new Date() }));
      await this.record(tx, caller, 'deregisterCluster', before, after);
      return after;
    });
  }

  async cluster(tenantId: string, id: string): Promise<ClusterView> {
    return this.prisma.withTenant(tenantId, (tx) => this.liveCluster(tx, id));
  }

  async page(
    tenantId: string,
    visible: ScopeFilter,
    q: { first?: number | null; after?: string | null; cloudScopeId?: string | null; includeDeregistered?: boolean | null },
  ): Promise<Connection<ClusterView>> {
    const size = pageSize(q.first);
    const after = q.after ? decodeCreatedKey(q.after) : null;
    if (q.cloudScopeId && !isUuid(q.cloudScopeId)) throw AppError.badInput('cloudScopeId', 'must be a UUID');
    let scopes = visible;
    if (q.cloudScopeId) scopes = visible === null || visible.includes(q.cloudScopeId) ? [q.cloudScopeId] : [];
    const rows = await this.prisma.withTenant(tenantId, (tx) =>
      this.repo.clusterPage(tx, { after, take: size + 1, includeDeregistered: q.includeDeregistered === true, cloudScopeIds: scopes }),
    );
    return toConnection(rows, size, (r) => [r.createdAt.toISOString(), r.id], clusterView);
  }

  /** A page of a cluster's namespaces; first pages of all clusters of one request are read together. */
  async namespaces(req: object, tenantId: string, clusterId: string, q: { first?: number | null; after?: string | null }) {
    const size = pageSize(q.first);
    const after = q.after ? decodeCursor(q.after, 'after', CursorKey.text(253)) : null;
    const rows = await childPage(
      req,
      `inventory:namespaces:${tenantId}:${size}`,
      clusterId,
      after !== null,
      (ids) => this.prisma.withTenant(tenantId, (tx) => this.repo.firstNamespaces(tx, ids, size + 1)),
      () => this.prisma.withTenant(tenantId, (tx) => this.repo.namespacePage(tx, clusterId, after, size + 1)),
    );
    return toConnection(rows, size, (r) => r.name, (r) => r);
  }

  private async liveCluster(tx: TenantTx, id: string): Promise<ClusterView> {
    const row = await this.repo.findLiveCluster(tx, id);
    if (!row) throw AppError.notFound('Cluster');
    return clusterView(row);
  }

  private async record(tx: TenantTx, caller: Caller, operation: string, before: ClusterView | null, after: ClusterView) {
    // The views never carry the credential or its hash (the repository omits it).
    await this.audit.append(tx, {
      actor: caller.actor,
      operation,
      targetType: 'Cluster',
      targetId: after.id,
      before: before ?? undefined,
      after,
      requestId: caller.requestId,
    });
    await this.outbox.publish(tx, OutboxEventType.clusterChanged, { clusterId: after.id, cloudScopeId: after.cloudScopeId, operation });
  }
}
