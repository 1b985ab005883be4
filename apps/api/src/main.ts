import 'reflect-metadata';
import { ConfigError, loadConfig } from '@rampart/platform';

async function main(): Promise<void> {
  // Validate before anything else so a bad value is one clear line, not a stack trace.
  try {
    loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { createApp, configOf } = await import('./create-app');
  const app = await createApp();
  const config = configOf(app);
  installShutdownDeadline(config.shutdownTimeoutMs);
  await app.listen({ port: config.port, host: config.host });
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stdout.write(`Rampart API listening on http://${shown}:${config.port} (GraphQL: http://${shown}:${config.port}/graphql)\n`);
}

/** Nest closes gracefully on SIGTERM; this bounds how long in-flight work may take. */
function installShutdownDeadline(timeoutMs: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`shutdown took longer than ${timeoutMs} ms; exiting\n`);
        process.exit(1);
      }, timeoutMs).unref();
    });
  }
}

main().catch((error) => {
  process.stderr.write(`API failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
