import type { Caller, TenantTx } from '@rampart/platform';

/**
 * Onboarding (inventory) must create the tenant's default policy (policies) in the
 * same transaction, without inventory depending on the policies context. The port
 * belongs to its consumer: inventory declares what onboarding needs, the policies
 * module (which may depend on inventory, never the reverse) provides it.
 */
export const DEFAULT_POLICY_PROVISIONER = Symbol('DEFAULT_POLICY_PROVISIONER');

export interface DefaultPolicyProvisioner {
  /** Creates "Default K8s misconfiguration rule" unless the tenant already has it; idempotent under concurrency. */
  ensureDefaultPolicy(tx: TenantTx, caller: Caller): Promise<void>;
}
