import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG, type AppConfig, MetricsService, REDIS, registerInFlightLimit, registerIpRateLimit, registerRequestLogging, requestIdFor, SpentBudgets } from '@rampart/platform';
import { Logger, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { AppModule } from './app.module';
import { observeRequests } from './observability/request-observability';

/** Largest GraphQL request body accepted (bytes); larger ones are refused with 413 before they are parsed. */
export const GRAPHQL_BODY_LIMIT = 3 * 1024 * 1024;

/** Builds the API exactly as production runs it; tests use the same function. */
export async function createApp(): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Logging is pino-http's (through nestjs-pino); Fastify assigns the request id it logs.
    logger: false,
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: 5 * 1024 * 1024,
    // Keep-alive connections that are idle are closed at shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();

  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  // First of the application's hooks: every request is logged, including those the next ones refuse.
  registerRequestLogging(fastify, app.get<Params>(PARAMS_PROVIDER_TOKEN));
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const config = app.get<AppConfig>(APP_CONFIG);
  // Cheapest refusal first: a caller's requests in progress, then its address's budget.
  registerInFlightLimit(fastify, config.rateLimits.inFlight, app.get(SpentBudgets));
  await registerIpRateLimit(fastify, config, app.get(REDIS));
  // GraphQL bodies are parsed (JSON, then the document) on the event loop before any limit of
  // ours can look at them: sized for the largest legitimate input (a dry run of two 1 MiB
  // manifests, JSON-escaped), not the 5 MiB other routes accept.
  fastify.addHook('onRoute', (route) => {
    if (route.url === '/graphql') route.bodyLimit = GRAPHQL_BODY_LIMIT;
  });
  // Graceful shutdown: requests in flight when it starts still finish, but their
  // keep-alive connections must close afterwards, or the server waits for them to time out.
  let draining = false;
  fastify.addHook('preClose', async () => {
    draining = true;
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  fastify.addHook('onResponse', async (request, reply) => {
      metrics.httpRequestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  observeRequests(app, metrics);
  return app;
}

export function configOf(app: NestFastifyApplication): AppConfig {
  return app.get(APP_CONFIG);
}
