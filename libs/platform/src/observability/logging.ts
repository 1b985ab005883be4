import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
      level: config.logLevel,
      base: { service },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      // The HTTP server (Fastify) assigns the id first; this covers anything else.
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = requestIdFor(req);
        res.setHeader('x-request-id', id);
        return id;
      },
      customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      // Probes and scrapes would drown the log.
      autoLogging: { ignore: (req: IncomingMessage) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') },
    },
  };
}
