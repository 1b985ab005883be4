import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { type Options, pinoHttp } from 'pino-http';

/**
 * LoggerModule parameters for an application whose requests are logged by
 * registerRequestLogging: nestjs-pino then mounts no Nest middleware of its own.
 */
export function withoutLoggerMiddleware(params: Params): Params {
  return { ...params, forRoutes: [] };
}

interface HookRequest {
  id: string;
  query: unknown;
  raw: IncomingMessage & { id?: string; originalUrl?: string; query?: unknown; allLogs?: unknown[] };
}
type OnRequestHook = (request: HookRequest, reply: { raw: ServerResponse }, done: () => void) => void;

/**
 * What nestjs-pino's middleware does (pino-http's access log, and the request's logger bound
 * in its AsyncLocalStorage so every Nest log line of the request carries the request id),
 * from a Fastify onRequest hook instead of Nest middleware run through @fastify/middie, whose
 * layers cost a few percent of a small request. Registered before any other hook of the
 * application, so a request refused by one of them (429) is still logged. The logger options
 * are LoggerModule's own (one destination, one configuration).
 */
export function registerRequestLogging(server: object, params: Params): void {
  const options = (Array.isArray(params.pinoHttp) ? params.pinoHttp[0] : params.pinoHttp) as Options;
  const httpLogger = pinoHttp(options);
  const fastify = server as { addHook(name: 'onRequest', hook: OnRequestHook): unknown };
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    // As @fastify/middie presents the request to middleware: Fastify's id and parsed query.
    raw.id = request.id;
    raw.originalUrl = raw.url;
    raw.query = request.query;
    httpLogger(raw, reply.raw);
    const logs = raw.allLogs!;
    // Everything after this hook (other hooks, guards, resolvers) runs inside this store.
    storage.run(new Store(logs[logs.length - 1] as never), done);
  });
}
