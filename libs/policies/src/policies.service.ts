import { Injectable } from '@nestjs/common';
import { canonicalJson } from '@rampart/common';
import type { DefaultPolicyProvisioner } from '@rampart/inventory';
import {
  type Visibility,
  notFoundError,
  childPage,
  AppError,
  AuditLogService,
  type Caller,
  type Connection,
  ErrorCode,
  OutboxEventType,
  OutboxService,
  Prisma,
  PrismaService,
  QuotaService,
  type TenantTx,
  CursorKey,
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
  assertPolicySize,
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

function isScope(value: unknown): value is PolicyScopeValue {
  const v = value as PolicyScopeValue | null;
  return !!v && typeof v === 'object' && Array.isArray(v.cloudScopeIds) && Array.isArray(v.clusterIds) && Array.isArray(v.namespaces);
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

  /** One policy as the caller may see it (the guard has found it visible; a concurrent change may have hidden it since). */
  async policy(visibility: Visibility, id: string): Promise<PolicyView> {
    const view = await this.prisma.withTenant(visibility.tenantId, async (tx) => {
      const row = await this.repo.findLive(tx, id);
      return row ? (await this.visibleViews(tx, visibility, [row]))[0] : undefined;
    });
    if (!view) throw notFoundError('Policy', 'id');
    return view;
  }

  /**
   * The tenant's policies the caller may see (Visibility): all for a tenant-wide role;
   * for a role limited to cloud scopes, those that can apply there, their scope cut down
   * to those scopes — filtered in the query, so pages stay full.
   */
  async policiesVisibleTo(visibility: Visibility, first: number | null | undefined, after: string | null | undefined): Promise<Connection<PolicyView>> {
    const size = pageSize(first);
    const key = after ? decodeCursor(after, 'after', CursorKey.tuple<[string, string]>(CursorKey.timestamp, CursorKey.uuid)) : null;
    if (!visibility.member) return toConnection([], size, () => null, (row: PolicyView) => row);
    const views = await this.prisma.withTenant(visibility.tenantId, async (tx) => {
      const scopes = visibility.cloudScopeIds;
      const reaching = scopes === null ? null : { cloudScopeIds: scopes, clusterIds: await this.repo.clusterIdsIn(tx, scopes) };
      const rows = await this.repo.livePage(tx, key ? { createdAt: new Date(key[0]), id: key[1] } : null, size + 1, reaching);
      return this.visibleViews(tx, visibility, rows);
    });
    return toConnection(views, size, (view) => [view.createdAt.toISOString(), view.id], (view) => view);
  }

  /** Views of policy rows, each scope as the caller may see it; policies they may not see are left out. */
  private async visibleViews(tx: TenantTx, visibility: Visibility, rows: PolicyRow[]): Promise<PolicyView[]> {
    const views = rows.map(toView);
    if (visibility.tenantWide) return views;
    const clusterScopes = await this.repo.clusterScopes(tx, views.flatMap((v) => v.scope.clusterIds));
    return views.flatMap((view) => {
      const scope = visibility.policyScope(view.scope, clusterScopes);
      return scope ? [{ ...view, scope }] : [];
    });
  }

  /**
   * A page of a policy's revisions. First pages (no cursor) of every policy in one
   * request are batched into one query; a later page concerns one policy and is read alone.
   */
  async revisions(
    req: object,
    visibility: Visibility,
    policyId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Connection<PolicyRevisionRow>> {
    const tenantId = visibility.tenantId;
    const size = pageSize(first);
    const before = after ? decodeCursor(after, 'after', CursorKey.int()) : null;
    const rows = await childPage(
      req,
      `policies:revisions:${tenantId}:${size}`,
      policyId,
      before !== null,
      (ids) => this.prisma.withTenant(tenantId, (tx) => this.repo.newestRevisions(tx, ids, size + 1)),
      () => this.prisma.withTenant(tenantId, (tx) => this.repo.revisionPage(tx, policyId, before, size + 1)),
    );
    if (visibility.tenantWide) return toConnection(rows, size, (row) => row.version, (row) => row);
    return toConnection(await this.visibleRevisions(visibility, rows), size, (row) => row.version, (row) => row);
  }

  /**
   * Revisions record whole scopes, past ones included: for a role limited to cloud scopes
   * each is cut down like the policy's own scope, and one that could apply in none of
   * the caller's scopes becomes null.
   */
  private async visibleRevisions(visibility: Visibility, rows: PolicyRevisionRow[]): Promise<PolicyRevisionRow[]> {
    const scopes: PolicyScopeValue[] = [];
    const collect = (value: unknown) => {
      if (isScope(value)) scopes.push(value);
    };
    for (const row of rows) {
      collect((row.snapshot as { scope?: unknown } | null)?.scope);
      const change = (row.diff as { scope?: { from?: unknown; to?: unknown } } | null)?.scope;
      collect(change?.from);
      collect(change?.to);
    }
    const clusterScopes = await this.prisma.withTenant(visibility.tenantId, (tx) => this.repo.clusterScopes(tx, scopes.flatMap((s) => s.clusterIds)));
    const cut = (value: unknown) => (isScope(value) ? visibility.policyScope(value, clusterScopes) : value);
    return rows.map((row) => {
      const snapshot = row.snapshot as Record<string, unknown> | null;
      const diff = row.diff as Record<string, unknown> | null;
      const change = diff?.scope as { from?: unknown; to?: unknown } | undefined;
      return {
        ...row,
        snapshot: (snapshot && 'scope' in snapshot ? { ...snapshot, scope: cut(snapshot.scope) } : snapshot) as PolicyRevisionRow['snapshot'],
        diff: (change ? { ...diff, scope: { from: cut(change.from), to: cut(change.to) } } : diff) as PolicyRevisionRow['diff'],
      };
    });
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
    assertPolicySize(fields.rules, fields.scope, ['rules', 'scope']);
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
      assertPolicySize(requested.rules ?? before.rules, requested.scope ?? before.scope, changed.filter((f): f is 'rules' | 'scope' => f === 'rules' || f === 'scope'));
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
