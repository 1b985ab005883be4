import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { AppConfig } from '../config/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ACCESS_LOG_FIELDS = Symbol('rampart.accessLogFields');

/** What the request did, known only once it is answered: added to its access log line. */
export interface AccessLogFields {
  userId?: string;
  tenantId?: string;
  operationName?: string;
  operationType?: string;
  rootFields?: string[];
  errorCodes?: string[];
}

/** Sets the fields the access log line of this (raw Node) request will carry; call before the response is sent. */
export function setAccessLogFields(req: IncomingMessage, fields: AccessLogFields): void {
  (req as IncomingMessage & { [ACCESS_LOG_FIELDS]?: AccessLogFields })[ACCESS_LOG_FIELDS] = fields;
}

// Fastify (request.id: the response header, the change log, error bodies) and pino-http
// (every log line) each ask for the id of the same raw request: one answer for both, or a
// refused header would give the log one random UUID and the change log another.
const assigned = new WeakMap<IncomingMessage, string>();

/** The caller's x-request-id when it is safe to log and store (1–128 of A–Z a–z 0–9 . _ : -), else a new UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const known = assigned.get(req);
  if (known) return known;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  assigned.set(req, id);
  return id;
}

/** pino options shared by the API and the worker: JSON lines, a request id on every HTTP log line. */
export function loggerParams(config: AppConfig, service: 'api' | 'worker'): Params {
  return {
    pinoHttp: {
      // Asynchronous: a synchronous write(2) per line cost the request path about a fifth of its
      // CPU under load; lines written while one write is in flight go out together in the next.
      // pino flushes what is still buffered synchronously on exit (normal, signal or crash).
      stream: pino.destination({ dest: 1, sync: false }),
      level: config.logLevel,
      base: { service },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      // Credentials never reach the log. A serializer instead of pino's `redact`, which clones and walks
      // every binding of every child logger (two per request) looking for the paths: ~3 % of the CPU.
      serializers: { req: censorCredentials },
      // The HTTP server (Fastify) assigns the id first; this covers anything else.
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = requestIdFor(req);
        res.setHeader('x-request-id', id);
        return id;
      },
      // The request id, bound to every line of the request. pino-http asks again when the request
      // ends and finds it already bound, so the access line needs no logger of its own.
      customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      // Who did what (setAccessLogFields), on the access line only.
      customSuccessObject: (req: IncomingMessage, _res: ServerResponse, line: object) => withAccessLogFields(req, line),
      customErrorObject: (req: IncomingMessage, _res: ServerResponse, _error: Error, line: object) => withAccessLogFields(req, line),
      // Probes and scrapes would drown the log.
      autoLogging: { ignore: (req: IncomingMessage) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') },
    },
  };
}

function withAccessLogFields(req: IncomingMessage, line: object): object {
  const fields = (req as IncomingMessage & { [ACCESS_LOG_FIELDS]?: AccessLogFields })[ACCESS_LOG_FIELDS];
  // `line` is pino-http's fresh object for this one line: filled in place, not copied.
  return fields ? Object.assign(line, fields) : line;
}

const CREDENTIAL_HEADERS = ['authorization', 'cookie'];

/**
 * Wrapped by pino-http around its standard request serializer, so `request.headers` is the raw
 * request's own headers object: replaced by a censored copy, never changed in place.
 */
export function censorCredentials<T extends { headers?: Record<string, unknown> }>(request: T): T {
  const headers = request.headers;
  if (!headers || !CREDENTIAL_HEADERS.some((name) => headers[name] !== undefined)) return request;
  const censored = { ...headers };
  for (const name of CREDENTIAL_HEADERS) if (censored[name] !== undefined) censored[name] = '[redacted]';
  request.headers = censored;
  return request;
}
