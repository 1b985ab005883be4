// Queue names and typed job payloads: the only place producers and processors
// agree on. One job = a name constant, a typed payload, one handler.

export const QueueName = {
  housekeeping: 'housekeeping',
  auditCheckpoints: 'audit-checkpoints',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const HousekeepingJobName = {
  /** Removes finished jobs older than the retention from every queue (Redis runs with noeviction). */
  pruneFinishedJobs: 'prune-finished-jobs',
} as const;

export interface PruneFinishedJobsPayload {
  /** Finished jobs older than this are removed. */
  olderThanMs: number;
  /** At most this many jobs per queue and state in one run. */
  limit: number;
}

export interface PruneFinishedJobsResult {
  removed: Record<string, { completed: number; failed: number }>;
}

export const AuditCheckpointJobName = {
  /** Signs the change-log head of every tenant with entries since its newest checkpoint (or of one tenant). */
  signCheckpoints: 'sign-checkpoints',
} as const;

export interface SignCheckpointsPayload {
  /** Only this tenant (on demand); absent: every tenant that is due. */
  tenantId?: string;
  /** Tenants listed per page of the due-tenant query. */
  batchSize: number;
}

export interface SignCheckpointsResult {
  signed: number;
  upToDate: number;
  /** Tenants whose log did not verify since their newest checkpoint: nothing was signed for them (first 100). */
  refused: { tenantId: string; reason: string }[];
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);
