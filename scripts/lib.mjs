// Shared by `npm start` and `npm test`: everything a fresh clone needs before
// the API, the worker or the tests can run. Plain Node (no dependencies) until
// `npm ci` has run, so it works on a machine that has never installed anything.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

export const defaults = {
  DATABASE_URL: 'postgresql://rampart_app:rampart_app@127.0.0.1:5432/rampart',
  MIGRATION_DATABASE_URL: 'postgresql://rampart_owner:rampart_owner@127.0.0.1:5432/rampart',
  DATABASE_ADMIN_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
};

export function env(name) {
  return process.env[name] || defaults[name];
}

export function log(message) {
  process.stdout.write(`[rampart] ${message}\n`);
}

export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env, ...options });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
  }
}

/** `npm ci` when node_modules is missing or older than the lock file. */
export function ensureDependencies() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}
function quoteLiteral(value) {
  return `'${value.replace(/'/g, "''")}'`;
}

function credentials(url) {
  const u = new URL(url);
  return {
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, ''),
  };
}

async function connect(url, what) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const u = new URL(url);
    throw new Error(
      `PostgreSQL is not reachable at ${u.hostname}:${u.port || 5432} (${what}: ${error.message}).\n` +
        `  Start it: \`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\` (local service)\n` +
        `  or: \`docker compose up -d postgres redis\`, then run the command again.`,
    );
  }
  return client;
}

export async function checkRedis() {
  const url = env('REDIS_URL');
  const Redis = require('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const u = new URL(url);
    throw new Error(
      `Redis is not reachable at ${u.hostname}:${u.port || 6379} (${error.message}).\n` +
        `  Start it: \`redis-server --daemonize yes --bind 127.0.0.1 --port 6379\` (local service)\n` +
        `  or: \`docker compose up -d postgres redis\`, then run the command again.`,
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * Creates the two roles and the database when missing (idempotent):
 * - the owner role runs migrations and owns every table;
 * - the application role is what the API and worker connect as: not a superuser,
 *   no BYPASSRLS, owns nothing, so row-level security always applies to it.
 */
export async function ensureDatabase({ database } = {}) {
  const owner = credentials(env('MIGRATION_DATABASE_URL'));
  const app = credentials(env('DATABASE_URL'));
  const dbName = database ?? owner.database;
  const admin = await connect(env('DATABASE_ADMIN_URL'), 'admin connection, DATABASE_ADMIN_URL');
  try {
    // The owner runs migrations and owns the two narrow cross-tenant SECURITY DEFINER
    // functions (memberships, id → tenant), hence BYPASSRLS; the runtime role has neither.
    for (const [role, extra] of [
      [owner, 'CREATEDB BYPASSRLS'],
      [app, 'NOCREATEDB NOBYPASSRLS'],
    ]) {
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.user]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await admin.query(
        `${verb} ROLE ${quoteIdent(role.user)} WITH LOGIN NOSUPERUSER NOCREATEROLE ${extra} PASSWORD ${quoteLiteral(role.password)}`,
      );
    }
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (!db.rowCount) {
      log(`creating database ${dbName}`);
      await admin.query(`CREATE DATABASE ${quoteIdent(dbName)} OWNER ${quoteIdent(owner.user)}`);
    }
  } finally {
    await admin.end();
  }
  // Privileges inside the database: the app role may use what the owner creates, never own it.
  const adminUrl = new URL(env('DATABASE_ADMIN_URL'));
  adminUrl.pathname = `/${dbName}`;
  const inDb = await connect(adminUrl.toString(), 'admin connection');
  try {
    const o = quoteIdent(owner.user);
    const a = quoteIdent(app.user);
    await inDb.query(`ALTER SCHEMA public OWNER TO ${o}`);
    await inDb.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await inDb.query(`GRANT USAGE ON SCHEMA public TO ${a}`);
    await inDb.query(`GRANT CONNECT ON DATABASE ${quoteIdent(dbName)} TO ${a}`);
    await inDb.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${a}`,
    );
    await inDb.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${a}`);
    // PostgreSQL lets PUBLIC execute every new function; the SECURITY DEFINER ones bypass
    // row-level security, so only the app role may run the owner's functions (the
    // migrations apply the same to functions that already exist).
    await inDb.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`);
    await inDb.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO ${a}`);
  } finally {
    await inDb.end();
  }
  return dbName;
}

/** Generates the client when it is missing or older than the schema (npm runs no install scripts here). */
export function generatePrismaClient() {
  const client = path.join(root, 'libs/platform/src/db/generated/prisma/client.ts');
  const schema = path.join(root, 'prisma/schema.prisma');
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) return;
  log('generating Prisma client');
  run(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export function migrate(migrationUrl = env('MIGRATION_DATABASE_URL')) {
  run(process.execPath, [require.resolve('prisma/build/index.js'), 'migrate', 'deploy'], {
    env: { ...process.env, MIGRATION_DATABASE_URL: migrationUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Everything before the first process starts. */
export async function prepare() {
  ensureDependencies();
  await checkRedis();
  await ensureDatabase();
  generatePrismaClient();
  log('applying migrations');
  migrate();
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** A short hash of the migrations folder: the test template database is rebuilt when it changes. */
export function migrationsHash() {
  const { createHash } = require('node:crypto');
  const { readdirSync } = require('node:fs');
  const dir = path.join(root, 'prisma', 'migrations');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'migration.sql');
    if (existsSync(file)) hash.update(name).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * The migrated template every test file's database is cloned from
 * (CREATE DATABASE … TEMPLATE is a file copy: milliseconds, not a migration run).
 */
export async function ensureTestTemplate() {
  // Keyed by checkout as well: two clones with different migrations (worktrees, CI beside a
  // developer) each keep their own template instead of dropping the other's mid-run.
  const { createHash } = require('node:crypto');
  const checkout = createHash('sha256').update(root).digest('hex').slice(0, 8);
  const prefix = `rampart_tpl_${checkout}_`;
  const name = `${prefix}${migrationsHash()}`;
  const admin = await connect(env('DATABASE_ADMIN_URL'), 'admin connection, DATABASE_ADMIN_URL');
  try {
    const found = await admin.query('SELECT datistemplate FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount && found.rows[0].datistemplate) return name;
    if (found.rowCount) await admin.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  log(`building test template database ${name}`);
  await ensureDatabase({ database: name });
  const url = new URL(env('MIGRATION_DATABASE_URL'));
  url.pathname = `/${name}`;
  migrate(url.toString());
  const again = await connect(env('DATABASE_ADMIN_URL'), 'admin connection');
  try {
    await again.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    // Old templates from earlier migration sets are no longer needed.
    const old = await again.query(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $2) AND datname <> $1",
      [name, prefix],
    );
    for (const row of old.rows) {
      await again.query(`ALTER DATABASE ${quoteIdent(row.datname)} WITH IS_TEMPLATE false`);
      await again.query(`DROP DATABASE ${quoteIdent(row.datname)} WITH (FORCE)`);
    }
  } finally {
    await again.end();
  }
  return name;
}
