import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TestApi, type TestUser, query, useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CREATE_TENANT = JSON.stringify({ query: 'mutation { createTenant(input: { name: "Traced" }) { id } }' });

/**
 * The caller's x-request-id reaches the response header, the logs and the change
 * log only when it is short and plain; anything else is replaced by a fresh UUID.
 */
describe('request ids (e2e)', () => {
  const env = useTestEnvironment();
  let api: TestApi;
  let user: TestUser;
  let port: number;

  beforeAll(async () => {
    api = await TestApi.start(createApp);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    port = (api.app.getHttpServer().address() as AddressInfo).port;
    user = await api.signUp('tracer');
  });
  afterAll(() => api?.close());

  /** One raw HTTP/1.1 exchange, so header bytes a well-behaved client would refuse to send can be sent. */
  function rawPost(requestId: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', reject);
      socket.on('end', () => {
        const text = Buffer.concat(chunks).toString('latin1');
        const [head, ...rest] = text.split('\r\n\r\n');
        const [statusLine, ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
      });
      // write, not end: the server closes after answering (Connection: close); a half-close first could race it.
      socket.write(
        Buffer.concat([
          Buffer.from(
            `POST /graphql HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n` +
              `Authorization: Bearer ${user.token}\r\nContent-Length: ${Buffer.byteLength(CREATE_TENANT)}\r\nx-request-id: `,
            'latin1',
          ),
          Buffer.from(requestId, 'latin1'),
          Buffer.from(`\r\n\r\n${CREATE_TENANT}`, 'latin1'),
        ]),
      );
    });
  }

  const logged = async (tenantId: string) =>
    (await query<{ requestId: string | null }>(env.current.db.adminUrl, 'SELECT "requestId" FROM audit_log_entry WHERE "tenantId" = $1', [tenantId])).map(
      (r) => r.requestId,
    );

  it('keeps a plain id everywhere', async () => {
    const res = await rawPost('trace-42.a:b_c');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('trace-42.a:b_c');
    expect(await logged(JSON.parse(res.body).data.createTenant.id)).toEqual(['trace-42.a:b_c']);
  });

  it.each([
    ['too long (129 characters)', 'a'.repeat(129)],
    ['very long (6,000 characters)', 'x'.repeat(6_000)],
    ['spaces', 'my request id'],
    ['a tab', 'id\twith-tab'],
    ['an ANSI escape', '\x1b[31mred\x1b[0m'],
    ['a control character', 'abc\x01def'],
    ['a log-forging attempt', 'ok","level":"fatal","msg":"forged'],
    ['non-ASCII bytes', 'caf\xe9-\xff'],
  ])('replaces an id with %s by a fresh UUID in the response and the change log, or refuses the request', async (_, hostile) => {
    const res = await rawPost(hostile);
    if (res.status === 400) {
      // Node's HTTP parser refuses some bytes outright: then nothing ran at all.
      expect(res.body).not.toContain('createTenant');
      return;
    }
    expect(res.status).toBe(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(await logged(JSON.parse(res.body).data.createTenant.id)).toEqual([id]);
  });

  it('two requests with the same refused id get different ids', async () => {
    const [a, b] = [await rawPost('bad id'), await rawPost('bad id')];
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});
