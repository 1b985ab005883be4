// Queue names and typed job payloads: the only place producers and processors
// agree on. One job = a name constant, a typed payload, one handler.

export const QueueName = {
  housekeeping: 'housekeeping',
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

/** Every job payload by queue and job name (for typed producers). */
export interface JobPayloads {
  [QueueName.housekeeping]: {
    [HousekeepingJobName.pruneFinishedJobs]: PruneFinishedJobsPayload;
  };
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);
