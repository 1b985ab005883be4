import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type JsonValue, entryHash } from '@rampart/platform';
import { TestApi, type TestUser, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

// What the change-log e2e specs share: the real API, the real commands (spawned as an
// operator runs them), and what an attacker with database access does.

const ROOT = path.resolve(__dirname, '../../..');
export const CREATE = 'mutation($name: String!) { createTenant(input: { name: $name }) { id } }';
export const ASSIGN = 'mutation($input: AssignRoleInput!) { assignRole(input: $input) { roleAssignment { id } } }';
export const REVOKE = 'mutation($id: ID!) { revokeRole(id: $id) { id } }';

export type CommandResult = { status: number | null; out: string };

/** Call at the top of a describe: a test environment, the API, an owner, a checkpoint key file of its own. */
export function useAuditLogKit() {
  const env = useTestEnvironment();
  const state = {} as { api: TestApi; owner: TestUser };
  // The checkpoint key of this file: outside the database, like in production.
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-audit-key-'));
  const keyFile = path.join(keyDir, 'audit-signing-key.pem');

  beforeAll(async () => {
    state.api = await TestApi.start(createApp);
    state.owner = await state.api.signUp('owner');
  });
  afterAll(async () => {
    await state.api?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  /** Runs a real command, as an operator would, against this file's database. */
  function command(script: string, args: string[], extraEnv: Record<string, string> = {}): CommandResult {
    const result = spawnSync(process.execPath, ['--require', '@swc-node/register', `apps/api/src/commands/${script}.ts`, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: env.current.db.appUrl, AUDIT_SIGNING_KEY_FILE: keyFile, AUDIT_VERIFY_KEY: '', ...extraEnv },
      encoding: 'utf8',
    });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
  }

  /** A tenant with `changes` change-log entries beyond its creation. */
  async function tenantWithHistory(changes: number): Promise<string> {
    const { api, owner } = state;
    const tenantId = (await api.gqlOk<{ createTenant: { id: string } }>(CREATE, { name: 'Chained' }, owner.token)).createTenant.id;
    const someone = await api.signUp('member');
    for (let i = 0; i < changes; i += 2) {
      const a = await api.gqlOk<{ assignRole: { roleAssignment: { id: string } } }>(ASSIGN, { input: { tenantId, principalEmail: someone.email, role: 'SECURITY_READER' } }, owner.token);
      await api.gqlOk(REVOKE, { id: a.assignRole.roleAssignment.id }, owner.token);
    }
    return tenantId;
  }

  /** One more change-log entry, through the API. */
  async function appendOne(tenantId: string): Promise<void> {
    const someone = await state.api.signUp('appended');
    await state.api.gqlOk(ASSIGN, { input: { tenantId, principalEmail: someone.email, role: 'SECURITY_READER' } }, state.owner.token);
  }

  /** Tampering as the superuser, with triggers off (what an attacker with database access could do). */
  async function tamper(sql: string, params: unknown[]): Promise<void> {
    await query(env.current.db.adminUrl, `BEGIN; SET LOCAL session_replication_role = replica; ${sql}; COMMIT;`.replace(/\$(\d)/g, (_m, n) => `'${params[Number(n) - 1]}'`));
  }

  /** What an attacker with database access does: edit one entry, then recompute every later hash and the head. */
  async function rechain(tenantId: string, editSeq: number): Promise<void> {
    const rows = await query<Record<string, unknown>>(
      env.current.db.adminUrl,
      `SELECT e.*, e.seq::text AS seq FROM audit_log_entry e WHERE e."tenantId" = $1 ORDER BY e.seq`,
      [tenantId],
    );
    let prevHash = '';
    const statements: string[] = [];
    for (const row of rows) {
      const seq = BigInt(row.seq as string);
      if (seq < BigInt(editSeq)) {
        prevHash = row.hash as string;
        continue;
      }
      const actor = seq === BigInt(editSeq) ? 'mallory@example.test' : (row.actor as string);
      const hash = entryHash({
        tenantId,
        seq,
        prevHash,
        actorUserId: row.actorUserId as string | null,
        actor,
        operation: row.operation as string,
        targetType: row.targetType as string,
        targetId: row.targetId as string | null,
        before: row.before as JsonValue,
        after: row.after as JsonValue,
        requestId: row.requestId as string | null,
        createdAt: row.createdAt as Date,
      });
      statements.push(`UPDATE audit_log_entry SET actor = '${actor}', "prevHash" = '${prevHash}', hash = '${hash}' WHERE "tenantId" = $1 AND seq = ${seq}`);
      prevHash = hash;
    }
    statements.push(`UPDATE audit_chain_head SET "lastHash" = '${prevHash}' WHERE "tenantId" = $1`);
    await tamper(statements.join(';\n'), [tenantId]);
  }

  return {
    env,
    get api() {
      return state.api;
    },
    get owner() {
      return state.owner;
    },
    command,
    auditVerify: (tenantId: string, extraEnv?: Record<string, string>) => command('audit-verify', ['--tenant', tenantId], extraEnv),
    auditCheckpoint: (tenantId: string, extraEnv?: Record<string, string>) => command('audit-checkpoint', ['--tenant', tenantId], extraEnv),
    keyFile,
    keyDir,
    tenantWithHistory,
    appendOne,
    tamper,
    rechain,
  };
}
