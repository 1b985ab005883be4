import { Injectable } from '@nestjs/common';
import { canonicalJson } from '@rampart/bundle';
import {
  type VisibleCloudScopes,
  childPage,
  AppError,
  AuditLogService,
  type Caller,
  type Connection,
  type DefaultPolicyProvisioner,
  ErrorCode,
  OutboxEventType,
  OutboxService,
  Prisma,
  PrismaService,
  QuotaService,
  type TenantTx,
  decodeCursor,
  pageSize,
  toConnection,
} from '@rampart/platform';
import { RULE_CATALOG, type RuleDefinition } from '@rampart/rules';
import { type PolicyFields, type PolicyRevisionRow, type PolicyRow, PoliciesRepository } from './policies.repository';
import {
  DEFAULT_POLICY_DESCRIPTION,
  DEFAULT_POLICY_NAME,
  type PolicyActionValue,
  type PolicyRuleInputValue,
  type PolicyRuleValue,
  type PolicyScopeInputValue,
  type PolicyScopeValue,
  assertNotReservedName,
  defaultPolicyRules,
  normalizeDescription,
  normalizeName,
  normalizeRules,
  normalizeScope,
} from './policy-input';

export interface PolicyView {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  action: PolicyActionValue;
  isDefault: boolean;
  version: number;
  scope: PolicyScopeValue;
  rules: PolicyRuleValue[];
  createdAt: Date;
  updatedAt: Date;
}

export interface CreatePolicyData {
  name: string;
  description?: string | null;
  action: PolicyActionValue;
  scope?: PolicyScopeInputValue | null;
  rules: PolicyRuleInputValue[];
}

export interface UpdatePolicyData {
  id: string;
  expectedVersion: number;
  name?: string | null;
  description?: string | null;
  action?: PolicyActionValue | null;
  scope?: PolicyScopeInputValue | null;
  rules?: PolicyRuleInputValue[] | null;
}

/** The fields a revision diff compares, in this order. */
const DIFF_FIELDS = ['name', 'description', 'action', 'scope', 'rules'] as const;
type DiffField = (typeof DIFF_FIELDS)[number];
/** What the default policy keeps forever (its action and rules may change). */
const DEFAULT_IMMUTABLE: readonly DiffField[] = ['name', 'description', 'scope'];

function toView(row: PolicyRow): PolicyView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    description: row.description,
    action: row.action,
    isDefault: row.isDefault,
    version: row.version,
    scope: { cloudScopeIds: row.scopeCloudScopeIds, clusterIds: row.scopeClusterIds, namespaces: row.scopeNamespaces },
    rules: row.rules as unknown as PolicyRuleValue[],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The policy as revisions and the change log record it. */
function snapshotOf(view: PolicyView) {
  return {
    id: view.id,
    name: view.name,
    description: view.description,
    action: view.action,
    isDefault: view.isDefault,
    version: view.version,
    scope: view.scope,
    rules: view.rules,
  };
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** `{ field: { from, to } }` for every field that differs; `before` null means created. */
function diffOf(before: PolicyView | null, after: Pick<PolicyView, DiffField>): Record<string, { from: unknown; to: unknown }> {
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of DIFF_FIELDS) {
    const from = before ? before[field] : null;
    if (before === null || !same(from, after[field])) diff[field] = { from, to: after[field] };
  }
  return diff;
}

function json(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

/**
 * Policies, their revisions and the default policy. Every change writes, in one
 * transaction, the policy row, an immutable revision, a change-log entry and an
 * outbox row (so the bundles of affected clusters are recompiled).
 */
@Injectable()
export class PoliciesService implements DefaultPolicyProvisioner {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditLogService,
    private readonly outbox: OutboxService,
    private readonly repo: PoliciesRepository,
    private readonly quotas: QuotaService,
  ) {}

  ruleCatalog(): readonly RuleDefinition[] {
    return RULE_CATALOG;
  }

  async policy(tenantId: string, id: string): Promise<PolicyView> {
    const row = await this.prisma.withTenant(tenantId, (tx) => this.repo.findLive(tx, id));
    if (!row) throw AppError.notFound('Policy');
    return toView(row);
  }

  /** Policies are tenant-level objects: only a tenant-wide role sees them (as policy(id) does). */
  /** Policies are tenant-wide objects: a caller limited to cloud scopes (or with no role) sees none. */
  async policiesVisibleTo(visible: VisibleCloudScopes, tenantId: string, first: number | null | undefined, after: string | null | undefined): Promise<Connection<PolicyView>> {
    const size = pageSize(first);
    const key = after
      ? decodeCursor(after, 'after', (v): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((p) => typeof p === 'string') && !Number.isNaN(Date.parse(v[0])))
      : null;
    if (visible !== null) return toConnection([], size, () => null, (row: PolicyRow) => toView(row));
    const rows = await this.prisma.withTenant(tenantId, (tx) =>
      this.repo.livePage(tx, key ? { createdAt: new Date(key[0]), id: key[1] } : null, size + 1),
    );
    return toConnection(rows, size, (row) => [row.createdAt.toISOString(), row.id], toView);
  }

  /**
   * A page of a policy's revisions. First pages (no cursor) of every policy in one
   * request are batched into one query; a later page concerns one policy and is read alone.
   */
  async revisions(req: object, tenantId: string, policyId: string, first: number | null | undefined, after: string | null | undefined): Promise<Connection<PolicyRevisionRow>> {
    const size = pageSize(first);
    const before = after ? decodeCursor(after, 'after', (v): v is number => Number.isInteger(v) && (v as number) > 0) : null;
    const rows = await childPage(
      req,
      `policies:revisions:${tenantId}:${size}`,
      policyId,
      before !== null,
      (ids) => this.prisma.withTenant(tenantId, (tx) => this.repo.newestRevisions(tx, ids, size + 1)),
      () => this.prisma.withTenant(tenantId, (tx) => this.repo.revisionPage(tx, policyId, before, size + 1)),
    );
    return toConnection(rows, size, (row) => row.version, (row) => row);
  }

  async createPolicy(caller: Caller, tenantId: string, input: CreatePolicyData): Promise<PolicyView> {
    const name = normalizeName(input.name);
    assertNotReservedName(name);
    const fields: PolicyFields = {
      name,
      description: normalizeDescription(input.description ?? ''),
      action: input.action,
      scope: normalizeScope(input.scope),
      rules: normalizeRules(input.rules),
    };
    return this.prisma.withTenant(tenantId, async (tx) => {
      await this.quotas.lockTenantCreations(tx);
      this.quotas.assertRoom('policiesPerTenant', await this.repo.countLive(tx));
      await this.assertScopeInTenant(tx, fields.scope);
      let row: PolicyRow;
      try {
        row = await this.repo.create(tx, fields, caller.actor.userId);
      } catch (error) {
        throw this.nameConflict(error);
      }
      const view = toView(row);
      await this.record(tx, caller, 'createPolicy', 'CREATE', null, view);
      return view;
    });
  }

  async updatePolicy(caller: Caller, tenantId: string, input: UpdatePolicyData): Promise<PolicyView> {
    const requested: Partial<PolicyFields> = {};
    if (input.name != null) requested.name = normalizeName(input.name);
    if (input.description != null) requested.description = normalizeDescription(input.description);
    if (input.action != null) requested.action = input.action;
    if (input.scope != null) requested.scope = normalizeScope(input.scope);
    if (input.rules != null) requested.rules = normalizeRules(input.rules);

    return this.prisma.withTenant(tenantId, async (tx) => {
      const row = await this.repo.findLive(tx, input.id);
      if (!row) throw AppError.notFound('Policy');
      const before = toView(row);
      const changed = DIFF_FIELDS.filter((f) => requested[f] !== undefined && !same(requested[f], before[f]));
      if (before.isDefault) {
        const refused = changed.find((f) => DEFAULT_IMMUTABLE.includes(f));
        if (refused) {
          throw new AppError(ErrorCode.DEFAULT_POLICY_IMMUTABLE, `The default policy's ${refused} cannot be changed; only its action and rules can`, `input.${refused}`);
        }
      }
      if (before.version !== input.expectedVersion) throw this.versionConflict(before.version);
      if (changed.length === 0) return before;
      if (changed.includes('name') && !before.isDefault) assertNotReservedName(requested.name!);
      if (changed.includes('scope')) await this.assertScopeInTenant(tx, requested.scope!);

      const patch = Object.fromEntries(changed.map((f) => [f, requested[f]])) as Partial<PolicyFields>;
      let won: boolean;
      try {
        won = await this.repo.updateIfVersion(tx, before.id, input.expectedVersion, patch, caller.actor.userId);
      } catch (error) {
        throw this.nameConflict(error);
      }
      // Lost the race since the read above: someone else's change committed first.
      if (!won) throw this.versionConflict(null);
      const after = toView((await this.repo.findLive(tx, before.id))!);
      await this.record(tx, caller, 'updatePolicy', 'UPDATE', before, after);
      return after;
    });
  }

  async deletePolicy(caller: Caller, tenantId: string, id: string): Promise<PolicyView> {
    return this.prisma.withTenant(tenantId, async (tx) => {
      const row = await this.repo.findLive(tx, id);
      if (!row) throw AppError.notFound('Policy');
      const before = toView(row);
      if (before.isDefault) throw new AppError(ErrorCode.DEFAULT_POLICY_IMMUTABLE, 'The default policy cannot be deleted; switch it to Audit or turn its rules off instead', 'id');
      if (!(await this.repo.softDeleteIfVersion(tx, id, before.version, caller.actor.userId))) {
        throw AppError.conflict('The policy changed while it was being deleted; try again', 'id');
      }
      await this.record(tx, caller, 'deletePolicy', 'DELETE', before, null);
      return before;
    });
  }

  /** The DefaultPolicyProvisioner port, called by onboarding inside its own transaction. */
  async ensureDefaultPolicy(tx: TenantTx, caller: Caller): Promise<void> {
    const fields: PolicyFields = {
      name: DEFAULT_POLICY_NAME,
      description: DEFAULT_POLICY_DESCRIPTION,
      action: 'AUDIT',
      scope: { cloudScopeIds: [], clusterIds: [], namespaces: [] },
      rules: defaultPolicyRules(),
    };
    const id = await this.repo.insertDefaultIfAbsent(tx, fields, caller.actor.userId);
    if (id === null) return;
    const view = toView((await this.repo.findLive(tx, id))!);
    await this.record(tx, caller, 'createDefaultPolicy', 'CREATE', null, view);
  }

  /** A scope may name only live cloud scopes and clusters of this tenant; anything else does not exist for the caller. */
  private async assertScopeInTenant(tx: TenantTx, scope: PolicyScopeValue): Promise<void> {
    const scopes = await this.repo.liveCloudScopeIds(tx, scope.cloudScopeIds);
    scope.cloudScopeIds.forEach((id, i) => {
      if (!scopes.has(id)) throw new AppError(ErrorCode.NOT_FOUND, 'Cloud scope not found', `input.scope.cloudScopeIds[${i}]`);
    });
    const clusters = await this.repo.liveClusters(tx, scope.clusterIds);
    scope.clusterIds.forEach((id, i) => {
      const inScope = clusters.get(id);
      if (inScope === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Cluster not found', `input.scope.clusterIds[${i}]`);
      if (scope.cloudScopeIds.length > 0 && !scopes.has(inScope)) {
        throw AppError.badInput(`input.scope.clusterIds[${i}]`, 'belongs to a cloud scope that is not in scope.cloudScopeIds');
      }
    });
  }

  /** Revision, change-log entry and outbox row of one change; `after` null means deleted. */
  private async record(
    tx: TenantTx,
    caller: Caller,
    operation: string,
    change: 'CREATE' | 'UPDATE' | 'DELETE',
    before: PolicyView | null,
    after: PolicyView | null,
  ): Promise<void> {
    const current = (after ?? before)!;
    const version = after ? after.version : before!.version + 1;
    const diff = after ? diffOf(before, after) : { deleted: { from: false, to: true } };
    await this.repo.createRevision(tx, {
      policyId: current.id,
      version,
      change,
      actorUserId: caller.actor.userId,
      actor: caller.actor.display,
      diff: json(diff),
      // For a deletion, the policy as it was just before it.
      snapshot: json(snapshotOf(current)),
      requestId: caller.requestId,
    });
    await this.audit.append(tx, {
      actor: caller.actor,
      operation,
      targetType: 'Policy',
      targetId: current.id,
      ...(before ? { before: snapshotOf(before) } : {}),
      ...(after ? { after: snapshotOf(after) } : {}),
      requestId: caller.requestId,
    });
    await this.outbox.publish(tx, OutboxEventType.policyChanged, { policyId: current.id, version, change });
  }

  private versionConflict(current: number | null): AppError {
    const detail = current === null ? 'it was changed by someone else just now' : `its current version is ${current}`;
    return AppError.conflict(`The policy is not at expectedVersion (${detail}); reload it and try again`, 'input.expectedVersion');
  }

  private nameConflict(error: unknown): unknown {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      return AppError.conflict('A policy with this name already exists in the tenant', 'input.name');
    }
    return error;
  }
}
