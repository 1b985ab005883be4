import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  AuditLogService,
  type Caller,
  type CloudEnvironment,
  type CloudProvider,
  type Connection,
  ErrorCode,
  OutboxEventType,
  OutboxService,
  Prisma,
  PrismaService,
  QuotaService,
  type TenantTx,
  pageSize,
  toConnection,
} from '@rampart/platform';
import { decodeCreatedKey } from './created-key';
import { DEFAULT_POLICY_PROVISIONER, type DefaultPolicyProvisioner } from './default-policy.port';
import { normaliseDisplayName, normaliseExternalId } from './inventory-input';
import { InventoryRepository } from './inventory.repository';

export type CloudScopeRow = NonNullable<Awaited<ReturnType<InventoryRepository['findLiveCloudScope']>>>;

/** Which cloud scopes a caller may see in a tenant: all of them (null) or those of their scope-level roles. */
export type ScopeFilter = string[] | null;

/** Cloud scopes: onboarding (with the tenant's default policy), renaming, offboarding. */
@Injectable()
export class CloudScopeService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditLogService,
    private readonly outbox: OutboxService,
    private readonly repo: InventoryRepository,
    private readonly quotas: QuotaService,
    // Provided by the (global) policies module: inventory does not depend on policies.
    @Inject(DEFAULT_POLICY_PROVISIONER) private readonly defaultPolicy: DefaultPolicyProvisioner,
  ) {}

  async onboard(
    caller: Caller,
    tenantId: string,
    input: { provider: CloudProvider; externalId: string; displayName: string; environment?: CloudEnvironment | null },
  ): Promise<CloudScopeRow> {
    const environment = input.environment ?? 'COMMERCIAL';
    if (environment !== 'COMMERCIAL') {
      throw new AppError(
        ErrorCode.UNSUPPORTED_CLOUD,
        `Kubernetes misconfiguration enforcement is available in commercial clouds only; ${environment} cloud scopes cannot be onboarded.`,
        'input.environment',
      );
    }
    const externalId = normaliseExternalId(input.provider, input.externalId);
    const displayName = normaliseDisplayName(input.displayName);

    return this.prisma.withTenant(tenantId, async (tx) => {
      // The first onboarding of a tenant creates its default policy: concurrent first
      // onboardings must queue here so that exactly one of them sees "no policy yet".
      await this.repo.lockTenant(tx);
      // The same lock serialises onboardings, so the count below cannot be overtaken.
      this.quotas.assertRoom('cloudScopesPerTenant', await this.repo.countLiveCloudScopes(tx));
      const scope = await this.uniqueExternalId(() => this.repo.createCloudScope(tx, { provider: input.provider, externalId, displayName, environment }));
      await this.defaultPolicy.ensureDefaultPolicy(tx, caller);
      await this.record(tx, caller, 'onboardCloudScope', scope.id, null, scope);
      return scope;
    });
  }

  async rename(caller: Caller, tenantId: string, input: { id: string; displayName: string }): Promise<CloudScopeRow> {
    const displayName = normaliseDisplayName(input.displayName);
    return this.prisma.withTenant(tenantId, async (tx) => {
      if (!(await this.repo.lockLiveCloudScope(tx, input.id, 'UPDATE'))) throw AppError.notFound('Cloud scope');
      const before = (await this.repo.findLiveCloudScope(tx, input.id))!;
      const after = await this.repo.updateCloudScope(tx, input.id, { displayName });
      await this.record(tx, caller, 'renameCloudScope', input.id, before, after);
      return after;
    });
  }

  async offboard(caller: Caller, tenantId: string, id: string): Promise<CloudScopeRow> {
    return this.prisma.withTenant(tenantId, async (tx) => {
      // Registrations hold this row FOR SHARE: none can slip in between the count and the update.
      if (!(await this.repo.lockLiveCloudScope(tx, id, 'UPDATE'))) throw AppError.notFound('Cloud scope');
      const live = await this.repo.countLiveClusters(tx, id);
      if (live > 0) {
        throw AppError.conflict(
          `This cloud scope still has ${live} registered ${live === 1 ? 'cluster' : 'clusters'}; deregister ${live === 1 ? 'it' : 'them'} first`,
          'id',
        );
      }
      const before = (await this.repo.findLiveCloudScope(tx, id))!;
      const after = await this.repo.updateCloudScope(tx, id, { offboardedAt: new Date() });
      await this.record(tx, caller, 'offboardCloudScope', id, before, after);
      return after;
    });
  }

  async page(tenantId: string, visible: ScopeFilter, q: { first?: number | null; after?: string | null; includeOffboarded?: boolean | null }): Promise<Connection<CloudScopeRow>> {
    const size = pageSize(q.first);
    const after = q.after ? decodeCreatedKey(q.after) : null;
    const rows = await this.prisma.withTenant(tenantId, (tx) =>
      this.repo.cloudScopePage(tx, { after, take: size + 1, includeOffboarded: q.includeOffboarded === true, cloudScopeIds: visible }),
    );
    return toConnection(rows, size, (r) => [r.createdAt.toISOString(), r.id], (r) => r);
  }

  /** By id, offboarded ones included, in one query per tenant (the DataLoader's batch). */
  byIds(tenantId: string, ids: readonly string[]): Promise<CloudScopeRow[]> {
    return this.prisma.withTenant(tenantId, (tx) => this.repo.cloudScopesByIds(tx, ids));
  }

  private async uniqueExternalId<T>(create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw AppError.conflict('This cloud account is already onboarded in this tenant', 'input.externalId');
      }
      throw error;
    }
  }

  private async record(tx: TenantTx, caller: Caller, operation: string, id: string, before: CloudScopeRow | null, after: CloudScopeRow) {
    await this.audit.append(tx, {
      actor: caller.actor,
      operation,
      targetType: 'CloudScope',
      targetId: id,
      before: before ?? undefined,
      after,
      requestId: caller.requestId,
    });
    await this.outbox.publish(tx, OutboxEventType.cloudScopeChanged, { cloudScopeId: id, operation });
  }
}
