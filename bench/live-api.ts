// The API as a separate process, as `npm start` runs it, for benchmarks that measure it
// from outside: its own database (migrated with the same scripts/lib.mjs preparation),
// its own Redis prefix, the local development issuer for tokens.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

export interface LiveApiOptions {
  /** Database name; created and migrated when missing. */
  database: string;
  port: number;
  /** Extra environment for the API process (limits, log level…). */
  env?: Record<string, string>;
}

export interface LiveApi {
  base: string;
  process: ChildProcess;
  post(pathname: string, body: unknown, token?: string, timeoutMs?: number): Promise<{ status: number; json: any }>;
  /** GraphQL data; throws with the errors when there are any. */
  gqlOk(query: string, variables: Record<string, unknown>, token: string): Promise<any>;
  /** A token of the local issuer for a new subject (verified e-mail). */
  signIn(sub: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startLiveApi(options: LiveApiOptions): Promise<LiveApi> {
  const databaseUrl = `postgresql://rampart_app:rampart_app@127.0.0.1:5432/${options.database}`;
  const migrationUrl = `postgresql://rampart_owner:rampart_owner@127.0.0.1:5432/${options.database}`;
  // scripts/lib.mjs reads these from the environment (an ES module: loaded with a real import()).
  Object.assign(process.env, { DATABASE_URL: databaseUrl, MIGRATION_DATABASE_URL: migrationUrl });
  const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;
  const lib = await importEsm(path.join(ROOT, 'scripts/lib.mjs'));
  await lib.checkRedis();
  await lib.ensureDatabase();
  lib.generatePrismaClient();
  lib.migrate();

  const base = `http://127.0.0.1:${options.port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(options.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-${randomBytes(3).toString('hex')}`,
    DATABASE_URL: databaseUrl,
    MIGRATION_DATABASE_URL: migrationUrl,
    ...options.env,
  };
  const child = spawn(process.execPath, ['--require', '@swc-node/register', 'apps/api/src/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const post: LiveApi['post'] = async (pathname, body, token, timeoutMs = 60_000) => {
    const res = await fetch(`${base}${pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    try {
      return { status: res.status, json: JSON.parse(text) };
    } catch {
      return { status: res.status, json: { raw: text.slice(0, 200) } };
    }
  };

  const api: LiveApi = {
    base,
    process: child,
    post,
    async gqlOk(query, variables, token) {
      const { status, json } = await post('/graphql', { query, variables }, token);
      if (status !== 200 || json.errors) throw new Error(`query failed (${status}): ${JSON.stringify(json).slice(0, 500)}`);
      return json.data;
    },
    async signIn(sub) {
      const { status, json } = await post('/auth/dev/token', { sub, email: `${sub}@bench.example`, name: sub, email_verified: true });
      if (status !== 200) throw new Error(`sign-in failed (${status}): ${JSON.stringify(json)}`);
      return json.accessToken as string;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return api;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await api.stop();
  throw new Error('API did not become ready within 60 s');
}
