import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const ADMIN_URL = process.env.DATABASE_ADMIN_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const APP_URL = process.env.DATABASE_URL || 'postgresql://rampart_app:rampart_app@127.0.0.1:5432/rampart';
const OWNER_URL = process.env.MIGRATION_DATABASE_URL || 'postgresql://rampart_owner:rampart_owner@127.0.0.1:5432/rampart';

export interface TestDatabase {
  name: string;
  /** As the application role (what the API and worker use). */
  appUrl: string;
  /** As the owner role (migrations). */
  ownerUrl: string;
  /** As the superuser (for tests that tamper with data on purpose). */
  adminUrl: string;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database cloned from the migrated template: isolated from every other test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.RAMPART_TEST_TEMPLATE;
  if (!template) throw new Error('RAMPART_TEST_TEMPLATE is not set: run tests through Jest (its global setup builds the template)');
  const name = `rampart_t_${randomBytes(6).toString('hex')}`;
  const owner = new URL(OWNER_URL).username;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" OWNER "${owner}"`));
  return {
    name,
    appUrl: withDatabase(APP_URL, name),
    ownerUrl: withDatabase(OWNER_URL, name),
    adminUrl: withDatabase(ADMIN_URL, name),
  };
}

export async function dropTestDatabase(db: TestDatabase): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`));
}

/** Runs one query on a short-lived connection (for assertions, not for the code under test). */
export async function query<R extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}
