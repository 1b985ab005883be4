import 'reflect-metadata';
import { ConfigError, loadConfig } from '@rampart/platform';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { createWorker } = await import('./create-worker');
  const app = await createWorker();
  const { WorkerHttpServer } = await import('./http/worker-http.server');
  await app.get(WorkerHttpServer).listen(config.workerPort, config.host);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Workers finish their active jobs on shutdown; this bounds how long that may take.
      setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
    });
  }
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stdout.write(`Rampart worker started (health and metrics: http://${shown}:${config.workerPort}/healthz, /readyz, /metrics)\n`);
}

main().catch((error) => {
  // A configuration problem found while starting (a missing key file, say) is one line naming the variable.
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`worker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
