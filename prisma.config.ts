// Prisma CLI configuration (generate / migrate). Runs the schema engine compiled
// to WebAssembly through @prisma/adapter-pg, so no native engine is downloaded.
// The two workarounds below live here only: the application never loads this file.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PgResult = require('pg/lib/result');

// schema.prisma's datasource reads this variable; the local default mirrors scripts/lib.mjs.
process.env.MIGRATION_DATABASE_URL ||= 'postgresql://rampart_owner:rampart_owner@127.0.0.1:5432/rampart';
const migrationUrl = process.env.MIGRATION_DATABASE_URL;

// Workaround 1 (prisma/orm#27403): the schema engine reads pg_catalog columns of
// type `name` (19) and `"char"` (18) which adapter-pg cannot deserialize; report them as text.
const TEXT = 25;
const TEXT_ARRAY = 1009;
const remap: Record<number, number> = { 19: TEXT, 18: TEXT, 1003: TEXT_ARRAY, 1002: TEXT_ARRAY };
const originalAddFields = PgResult.prototype.addFields;
if (!originalAddFields.__rampartPatched) {
  PgResult.prototype.addFields = function addFields(fields: { dataTypeID: number }[]) {
    for (const field of fields) field.dataTypeID = remap[field.dataTypeID] ?? field.dataTypeID;
    return originalAddFields.call(this, fields);
  };
  PgResult.prototype.addFields.__rampartPatched = true;
}

function discreteConfig(url: string, database?: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: database ?? u.pathname.replace(/^\//, ''),
  };
}

// Workaround 2: adapter-pg's connectToShadowDb() ignores the database override when
// given a connection string, and drops the shadow database while its pool is open.
//
// Workaround 3: adapter-pg's executeScript() splits a migration on every ";", which
// breaks function bodies ($$ … $$) and comments. Send the script as one simple-query
// message instead: PostgreSQL runs it as a single implicit transaction.
type ScriptAdapter = Awaited<ReturnType<PrismaPg['connect']>> & {
  client: { query(sql: string): Promise<unknown> };
  onError(error: unknown): never;
};
function runScriptsWhole<T extends Awaited<ReturnType<PrismaPg['connect']>>>(adapter: T): T {
  const a = adapter as unknown as ScriptAdapter;
  a.executeScript = async (script: string) => {
    try {
      await a.client.query(script);
    } catch (error) {
      a.onError(error);
    }
  };
  return adapter;
}

class OfflineMigrationAdapter extends PrismaPg {
  override async connect() {
    return runScriptsWhole(await super.connect());
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = runScriptsWhole(await new PrismaPg(discreteConfig(migrationUrl, database)).connect());
    const closeShadowPool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await closeShadowPool();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await main.dispose();
    };
    return shadow;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => new OfflineMigrationAdapter(discreteConfig(migrationUrl)),
});
