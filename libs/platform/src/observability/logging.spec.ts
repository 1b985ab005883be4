import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadConfig } from '../config/config';
import { censorCredentials, loggerParams, requestIdFor } from './logging';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const rawRequest = (id?: string | string[]) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;

describe('requestIdFor', () => {
  it.each(['abc', 'trace-42.a:b_c', 'A'.repeat(128)])('keeps a plain id: %s', (id) => {
    expect(requestIdFor(rawRequest(id))).toBe(id);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'my id'],
    ['a newline', 'a\nb'],
    ['a control character', 'a\u0001b'],
    ['JSON', '{"level":60}'],
    ['non-ASCII', 'café'],
    ['sent twice', ['a', 'b']],
  ])('replaces an id that is %s by a UUID', (_, id) => {
    expect(requestIdFor(rawRequest(id))).toMatch(UUID);
  });

  it('gives one request one id however often it is asked, and each request its own', () => {
    const first = rawRequest('not safe');
    const second = rawRequest('not safe');
    expect(requestIdFor(first)).toBe(requestIdFor(first));
    expect(requestIdFor(first)).not.toBe(requestIdFor(second));
  });

  it('the log (pino-http) and the server (Fastify, hence the change log) agree on a replaced id', () => {
    const req = rawRequest('evil id\twith spaces');
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as ServerResponse;
    const genReqId = (loggerParams(loadConfig({}), 'api').pinoHttp as { genReqId: (q: IncomingMessage, s: ServerResponse) => string }).genReqId;
    const logged = genReqId(req, res);
    expect(logged).toMatch(UUID);
    expect(requestIdFor(req)).toBe(logged);
    expect(headers['x-request-id']).toBe(logged);
  });
});

describe('censorCredentials (the req serializer of every log line)', () => {
  it('replaces the authorization and cookie headers by a copy without them, leaving the request’s own headers alone', () => {
    const headers = { authorization: 'Bearer secret.token.value', cookie: 'session=abc', 'x-request-id': 'r1', 'content-type': 'application/json' };
    const serialized = censorCredentials({ method: 'POST', headers });
    expect(serialized).toEqual({
      method: 'POST',
      headers: { authorization: '[redacted]', cookie: '[redacted]', 'x-request-id': 'r1', 'content-type': 'application/json' },
    });
    expect(headers.authorization).toBe('Bearer secret.token.value');
    expect(headers.cookie).toBe('session=abc');
  });

  it('passes a request without credentials through unchanged', () => {
    const headers = { 'x-request-id': 'r2' };
    expect(censorCredentials({ headers }).headers).toBe(headers);
  });

  it('is the request serializer the log is configured with', () => {
    const params = loggerParams(loadConfig({}), 'api').pinoHttp as { serializers: { req: unknown } };
    expect(params.serializers.req).toBe(censorCredentials);
  });
});
