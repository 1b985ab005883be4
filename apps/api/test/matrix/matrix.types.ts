import type { TestApi, TestUser } from '@rampart/testing';

/** The fixture every case runs against (built once per matrix run). */
export interface World {
  api: TestApi;
  tenantId: string;
  owner: TestUser;
  /** Cloud scope A: the SCOPE_ADMIN_SAME_SCOPE principal holds SECURITY_ADMIN here. */
  scopeId: string;
  /** Cloud scope B: the SCOPE_ADMIN_OTHER_SCOPE principal holds SECURITY_ADMIN here. */
  otherScopeId: string;
  /** Runs SQL as the superuser on this test file's database (fixtures only). */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

export interface OperationCase {
  /** The GraphQL document: exactly one root field, the operation under test. */
  document: string;
  /** Builds fresh variables for one call (mutations get their own target each time). */
  variables(world: World): Promise<Record<string, unknown>>;
  /** Documents where the target lives (cloud scope A, or tenant-level/elsewhere); the expected outcomes are in expected-outcomes.ts. */
  objectInScopeA?: boolean;
}

export type CaseTable = { Query?: Record<string, OperationCase>; Mutation?: Record<string, OperationCase> };
