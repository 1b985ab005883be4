import type { TenantTx } from '../db/prisma.service';
import type { Caller } from './caller.decorator';

/**
 * Onboarding (inventory) must create the tenant's default policy (policies) in the
 * same transaction, without inventory depending on the policies context: the
 * policies module provides this port, inventory injects it.
 */
export const DEFAULT_POLICY_PROVISIONER = Symbol('DEFAULT_POLICY_PROVISIONER');

export interface DefaultPolicyProvisioner {
  /** Creates "Default K8s misconfiguration rule" unless the tenant already has it; idempotent under concurrency. */
  ensureDefaultPolicy(tx: TenantTx, caller: Caller): Promise<void>;
}
