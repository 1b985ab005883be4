import { exited, freePort, startProcess as start, useTestEnvironment, jsonPoster } from '@rampart/testing';

describe('graceful shutdown on SIGTERM (real processes)', () => {
  const env = useTestEnvironment();

  function processEnv(port: number): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_OPTIONS: '',
      NODE_ENV: 'test',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: env.current.db.appUrl,
      QUEUE_PREFIX: env.current.redisPrefix,
      SHUTDOWN_TIMEOUT_MS: '10000',
    };
  }

  it('the API finishes the requests in flight, then exits', async () => {
    const port = await freePort();
    const api = await start('apps/api/src/main.ts', processEnv(port), /listening on/);
    const base = `http://127.0.0.1:${port}`;
    const post = jsonPoster(base);
    const { accessToken } = await post('/auth/dev/token', { sub: 'shutdown', email: 'shutdown@example.test' });
    const gql = async (query: string) => {
      const result = await post('/graphql', { query }, accessToken);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data;
    };
    const tenantId = (await gql('mutation { createTenant(input: { name: "Shutdown" }) { id } }')).createTenant.id;
    const scopeId = (await gql(`mutation { onboardCloudScope(input: { tenantId: "${tenantId}", provider: GCP, externalId: "shutdown-test", displayName: "S" }) { id } }`))
      .onboardCloudScope.id;
    const clusterId = (
      await gql(`mutation { registerCluster(input: { cloudScopeId: "${scopeId}", name: "c1", distribution: GKE, kubernetesVersion: "1.30.1", sensorVersion: "0.11.0", misconfigurationPoliciesEnabled: true }) { cluster { id } } }`)
    ).registerCluster.cluster.id;

    // Slow requests (a dry run of a large manifest each), so that SIGTERM lands while they are being worked on.
    const pods = Array.from({ length: 1500 }, (_, i) => `kind: Pod\napiVersion: v1\nmetadata: { name: p${i} }\nspec: { containers: [ { name: c, image: nginx, securityContext: { privileged: true } } ] }`).join('\n---\n');
    const query = 'query($c: ID!, $m: String!) { evaluateManifest(clusterId: $c, namespace: "web", manifest: $m) { allowed documents { index } } }';
    const started = Date.now();
    const done = exited(api.child);
    const inFlight = Array.from({ length: 8 }, () =>
      fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ query, variables: { c: clusterId, m: pods } }),
      }).then(
        async (r) => ({ status: r.status, documents: ((await r.json()) as any).data?.evaluateManifest?.documents?.length }),
        (e: Error) => ({ status: 0, error: e.message }),
      ),
    );
    await new Promise((r) => setTimeout(r, 150));
    api.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    const { code, signal } = await done;
    const elapsed = Date.now() - started;
    // Nest closes the HTTP server, then the database and Redis, and re-raises the signal —
    // well before the shutdown deadline (SHUTDOWN_TIMEOUT_MS, which would exit with 1).
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(elapsed).toBeLessThan(10_000);
    // Each request takes far longer than 150 ms, so the ones answered in full were in flight
    // at SIGTERM: an abrupt exit would have answered none.
    const complete = answers.filter((a) => a.status === 200);
    expect(complete.length).toBeGreaterThan(0);
    for (const a of complete) expect(a).toEqual({ status: 200, documents: 1500 });
    // Requests not yet started are shed (503, or refused once the socket is closed) — never
    // cut off half-way or failed with an internal error.
    for (const a of answers) expect([200, 503, 0]).toContain(a.status);
    expect(api.output()).not.toMatch(/Error|unhandled|took longer/i);
  });

  it('the worker serves its probes on WORKER_PORT, then closes them and its queues and exits cleanly', async () => {
    const workerPort = await freePort();
    const worker = await start(
      'apps/worker/src/main.ts',
      // A long readiness timeout: the first probe opens the database connection, slow on a loaded machine.
      { ...processEnv(await freePort()), WORKER_PORT: String(workerPort), READINESS_TIMEOUT_MS: '10000' },
      /worker started/,
    );
    const base = `http://127.0.0.1:${workerPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('rampart_process_cpu_seconds_total');
    const done = exited(worker.child);
    worker.child.kill('SIGTERM');
    const { code, signal } = await done;
    expect([0, null]).toContain(code);
    if (code === null) expect(signal).toBe('SIGTERM');
    expect(worker.output()).not.toMatch(/Error|unhandled/i);
    // The probe port is released: nothing answers there any more.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
