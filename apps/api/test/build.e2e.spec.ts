import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { exited, freePort, startProcess, type StartedProcess, useTestEnvironment, WORKSPACE_ROOT, jsonPoster } from '@rampart/testing';

// `npm run build` (what the Docker image's build stage runs), then the compiled JavaScript
// run by plain `node` — no SWC at run time, as in the image — with production settings.

describe('the built JavaScript (npm run build) runs as in the container image', () => {
  const env = useTestEnvironment();
  const out = `tmp/build-check-${process.pid}`;
  // Production never creates the change-log signing key: the operator provides it, as here.
  const signingKeyFile = path.join(WORKSPACE_ROOT, `tmp/build-check-key-${process.pid}/audit-signing-key.pem`);
  const running: StartedProcess[] = [];

  beforeAll(() => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--out', out], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
    mkdirSync(path.dirname(signingKeyFile), { recursive: true });
    writeFileSync(signingKeyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  });

  afterAll(async () => {
    for (const p of running) {
      const done = exited(p.child);
      p.child.kill('SIGTERM');
      await done;
    }
    rmSync(path.join(WORKSPACE_ROOT, out), { recursive: true, force: true });
    rmSync(path.dirname(signingKeyFile), { recursive: true, force: true });
  });

  const productionEnv = (port: number, workerPort: number): NodeJS.ProcessEnv => ({
    ...process.env,
    NODE_OPTIONS: '',
    NODE_ENV: 'production',
    // Required in production; never contacted here (no request carries a token).
    OIDC_ISSUER_URL: 'https://issuer.invalid',
    PORT: String(port),
    WORKER_PORT: String(workerPort),
    LOG_LEVEL: 'warn',
    // The first probe opens the database connection; a loaded test machine must not turn that into a 503.
    READINESS_TIMEOUT_MS: '10000',
    DATABASE_URL: env.current.db.appUrl,
    QUEUE_PREFIX: env.current.redisPrefix,
    AUDIT_SIGNING_KEY_FILE: signingKeyFile,
  });

  it('compiles every source of apps/ and libs/ (tests and libs/testing excepted), the generated Prisma client included', () => {
    for (const file of [
      'apps/api/src/main.js',
      'apps/worker/src/main.js',
      'apps/worker/src/http/worker-http.server.js',
      'libs/rules/src/evaluate.js',
      // The compute pool's worker entry is plain JavaScript, shipped as it is, beside the tasks it loads.
      'libs/platform/src/compute/compute.worker.js',
      'libs/enforcement/src/compute/enforcement-tasks.js',
      'libs/platform/src/db/generated/prisma/client.js',
    ]) {
      expect(existsSync(path.join(WORKSPACE_ROOT, out, file))).toBe(true);
    }
    expect(existsSync(path.join(WORKSPACE_ROOT, out, 'libs/rules/src/evaluate.spec.js'))).toBe(false);
    expect(existsSync(path.join(WORKSPACE_ROOT, out, 'apps/api/test'))).toBe(false);
    expect(existsSync(path.join(WORKSPACE_ROOT, out, 'libs/testing'))).toBe(false);
  });

  it('needs only production dependencies at run time (the image installs with npm ci --omit=dev)', () => {
    const { dependencies } = JSON.parse(readFileSync(path.join(WORKSPACE_ROOT, 'package.json'), 'utf8'));
    const required = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.js')) {
          for (const [, spec] of readFileSync(file, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
            required.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
          }
        }
      }
    };
    walk(path.join(WORKSPACE_ROOT, out));
    const missing = [...required].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name) && !(name in dependencies));
    expect(missing).toEqual([]);
    // The check sees what the code loads (a sample of names, spelled out).
    expect([...required]).toEqual(expect.arrayContaining(['@nestjs/core', '@prisma/client', 'mercurius', 'prom-client']));
  });

  it('the API starts with plain node in production mode and answers', async () => {
    const port = await freePort();
    const api = await startProcess(`${out}/apps/api/src/main.js`, productionEnv(port, await freePort()), /listening on/, []);
    running.push(api);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ apiInfo { name version } }' }),
    });
    // The version comes from the workspace package.json, found from dist/ as from the sources.
    const { version } = JSON.parse(readFileSync(path.join(WORKSPACE_ROOT, 'package.json'), 'utf8'));
    expect(await res.json()).toEqual({ data: { apiInfo: { name: 'Rampart', version } } });
    // Decorator metadata survived compilation: dependency injection built the authorization guard.
    const guarded = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tenants { id } }' }),
    });
    expect(((await guarded.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // Production: no local token issuer, no GraphiQL.
    expect((await fetch(`${base}/auth/dev/token`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/graphiql`)).status).toBe(404);
  });

  it('the compiled Prisma client reads and writes: a tenant made and read back through the built API (local issuer, NODE_ENV=test)', async () => {
    const port = await freePort();
    const api = await startProcess(
      `${out}/apps/api/src/main.js`,
      { ...productionEnv(port, await freePort()), NODE_ENV: 'test', OIDC_ISSUER_URL: '' },
      /listening on/,
      [],
    );
    running.push(api);
    const base = `http://127.0.0.1:${port}`;
    const post = jsonPoster(base);
    const { accessToken } = await post('/auth/dev/token', { sub: 'built', email: 'built@example.test' });
    const created = await post('/graphql', { query: 'mutation { createTenant(input: { name: "Built" }) { id } }' }, accessToken);
    const id = created.data.createTenant.id;
    const read = await post('/graphql', { query: `{ tenant(id: "${id}") { name } auditLog(tenantId: "${id}") { edges { node { operation } } } }` }, accessToken);
    expect(read.errors).toBeUndefined();
    expect(read.data.tenant).toEqual({ name: 'Built' });
    // The change log was written in the same transaction, through the compiled repositories.
    expect(read.data.auditLog.edges.map((e: any) => e.node.operation)).toContain('createTenant');

    // A dry run runs on the compute pool's worker threads, which load the compiled task module.
    const scope = await post(
      '/graphql',
      { query: `mutation { onboardCloudScope(input: { tenantId: "${id}", provider: GCP, externalId: "built-project", displayName: "Built" }) { id } }` },
      accessToken,
    );
    const cluster = await post(
      '/graphql',
      {
        query: `mutation { registerCluster(input: { cloudScopeId: "${scope.data.onboardCloudScope.id}", name: "built", distribution: GKE, kubernetesVersion: "1.31.0", sensorVersion: "0.12.0", misconfigurationPoliciesEnabled: true }) { cluster { id } } }`,
      },
      accessToken,
    );
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext: {privileged: true}\n';
    const dryRun = await post(
      '/graphql',
      {
        query: 'query($c: ID!, $m: String!) { evaluateManifest(clusterId: $c, namespace: "web", manifest: $m) { allowed violations { ruleId } } }',
        variables: { c: cluster.data.registerCluster.cluster.id, m: pod },
      },
      accessToken,
    );
    expect(dryRun.errors).toBeUndefined();
    // The default policy audits: admitted, with the privileged container among its findings.
    expect(dryRun.data.evaluateManifest.allowed).toBe(true);
    expect(dryRun.data.evaluateManifest.violations.map((v: any) => v.ruleId)).toContain('privileged-containers');
  });

  it('the worker starts with plain node and serves its probes', async () => {
    const workerPort = await freePort();
    const worker = await startProcess(`${out}/apps/worker/src/main.js`, productionEnv(await freePort(), workerPort), /worker started/, []);
    running.push(worker);
    expect((await fetch(`http://127.0.0.1:${workerPort}/readyz`)).status).toBe(200);
  });
});
