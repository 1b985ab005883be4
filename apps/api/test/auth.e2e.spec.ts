import { createHmac, createPrivateKey, createPublicKey, sign as cryptoSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Controller, Get, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Query, Resolver } from '@nestjs/graphql';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  APP_CONFIG,
  type AppConfig,
  AuthModule,
  AuthUserService,
  type AuthenticatedUser,
  ConfigModule,
  CurrentUser,
  DbModule,
  loadOrCreateLocalIssuerKey,
  Public,
  rampartGraphQLModule,
} from '@rampart/platform';
import { query, useTestEnvironment } from '@rampart/testing';
import jwt, { sign } from 'jsonwebtoken';
import request from 'supertest';

// A test-only application: just enough of the API (config, database, auth, a
// resolver, a controller) to exercise authentication without depending on AppModule.

@Resolver()
class WhoamiResolver {
  @Query(() => String)
  whoami(@CurrentUser() user: AuthenticatedUser): string {
    return user.subject;
  }

  @Public()
  @Query(() => String)
  ping(): string {
    return 'pong';
  }
}

@Controller()
class MeController {
  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser): AuthenticatedUser {
    return user;
  }

  @Public()
  @Get('open')
  open(): { open: true } {
    return { open: true };
  }
}

/** Keeps what the auth code logs, so tests can check that reasons go to the log and not to the client. */
class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  private record(level: string, message: unknown): void {
    this.lines.push({ level, message: String(message) });
  }
  log(message: unknown): void {
    this.record('log', message);
  }
  error(message: unknown): void {
    this.record('error', message);
  }
  warn(message: unknown): void {
    this.record('warn', message);
  }
  debug(message: unknown): void {
    this.record('debug', message);
  }
  verbose(message: unknown): void {
    this.record('verbose', message);
  }
}

const logs = new RecordingLogger();

/** Builds the module inside a function: AuthModule.forRoot() reads the environment when it is called. */
async function createTestApp(): Promise<NestFastifyApplication> {
  @Module({
    imports: [
      ConfigModule,
      DbModule,
      AuthModule.forRoot(),
      rampartGraphQLModule(),
    ],
    controllers: [MeController],
    providers: [WhoamiResolver],
  })
  class AuthTestModule {}

  const app = await NestFactory.create<NestFastifyApplication>(AuthTestModule, new FastifyAdapter({ logger: false }), {
    logger: logs,
    // Throw start-up errors to the test instead of exiting the Jest worker.
    abortOnError: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

/** Words that would tell a caller why a token failed. */
const LEAKS = /jwt|signature|kid|audience|issuer|algorithm|malformed|not active|secret|public key|signing key/i;

describe('authentication (e2e)', () => {
  const env = useTestEnvironment();
  let keyDir: string;
  let keyFile: string;
  let app: NestFastifyApplication;
  let config: AppConfig;
  let issuerKey: KeyObject;
  let kid: string;

  beforeAll(async () => {
    keyDir = await mkdtemp(path.join(tmpdir(), 'rampart-auth-'));
    keyFile = path.join(keyDir, 'nested', 'local-issuer-key.json');
    process.env.LOCAL_ISSUER_KEY_FILE = keyFile;
    delete process.env.OIDC_ISSUER_URL;
    delete process.env.OIDC_JWKS_URI;
    delete process.env.OIDC_AUDIENCE;
    delete process.env.PUBLIC_URL;
    app = await createTestApp();
    config = app.get(APP_CONFIG);
    const stored = JSON.parse(await readFile(keyFile, 'utf8'));
    issuerKey = createPrivateKey({ key: stored.privateJwk, format: 'jwk' });
    kid = stored.kid;
  });

  afterAll(async () => {
    await app?.close();
    await rm(keyDir, { recursive: true, force: true });
  });

  const http = () => request(app.getHttpServer());

  async function devToken(body: Record<string, unknown>): Promise<string> {
    const res = await http().post('/auth/dev/token').send(body).expect(200);
    expect(typeof res.body.accessToken).toBe('string');
    return res.body.accessToken;
  }

  async function whoami(authorization?: string, target: NestFastifyApplication = app) {
    const req = request(target.getHttpServer()).post('/graphql');
    if (authorization !== undefined) req.set('authorization', authorization);
    const res = await req.send({ query: '{ whoami }' }).expect(200);
    return res.body as { data: { whoami: string } | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  }

  function expectUnauthenticated(body: Awaited<ReturnType<typeof whoami>>, message: string): void {
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    const [error] = body.errors!;
    expect(error.message).toBe(message);
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(Object.keys(error).sort()).toEqual(expect.arrayContaining(['extensions', 'message']));
    expect(Object.keys(error).every((k) => ['message', 'locations', 'path', 'extensions'].includes(k))).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(LEAKS);
  }

  /** Claims the local issuer would put in a token, to be spoiled one at a time. */
  function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const all: Record<string, unknown> = {
      sub: 'spoiled',
      email: 'spoiled@example.com',
      iss: config.publicUrl,
      aud: config.oidcAudience,
      iat: now(),
      exp: now() + 600,
      ...overrides,
    };
    return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
  }

  const signRs256 = (payload: Record<string, unknown>, key: KeyObject = issuerKey, keyid: string = kid): string =>
    sign(payload, key, { algorithm: 'RS256', keyid });

  describe('a valid token', () => {
    it('gets data, and the user is created on first sight and updated on the next', async () => {
      const first = await devToken({ sub: 'auth0|alice', email: 'alice@example.com', name: 'Alice' });
      expect(await whoami(`Bearer ${first}`)).toEqual({ data: { whoami: 'auth0|alice' } });

      const rows = () => query(env.current.db.adminUrl, 'SELECT id, subject, email, name FROM "user" WHERE subject = $1', ['auth0|alice']);
      const [created] = await rows();
      expect(created).toMatchObject({ subject: 'auth0|alice', email: 'alice@example.com', name: 'Alice' });

      const second = await devToken({ sub: 'auth0|alice', email: 'alice@new.example.com', name: 'Alice B.' });
      expect(await whoami(`Bearer ${second}`)).toEqual({ data: { whoami: 'auth0|alice' } });
      const after = await rows();
      expect(after).toEqual([{ id: created.id, subject: 'auth0|alice', email: 'alice@new.example.com', name: 'Alice B.' }]);
    });

    it('is accepted by HTTP routes too, which see the same user', async () => {
      const token = await devToken({ sub: 'bob', email: 'bob@example.com' });
      const res = await http().get('/me').set('authorization', `Bearer ${token}`).expect(200);
      expect(res.body).toEqual({ id: expect.any(String), subject: 'bob', email: 'bob@example.com', emailVerified: true, name: null });
    });

    it('creates one user when the first requests of a new user arrive together', async () => {
      const token = await devToken({ sub: 'carol', email: 'carol@example.com' });
      const answers = await Promise.all(Array.from({ length: 5 }, () => whoami(`Bearer ${token}`)));
      for (const answer of answers) expect(answer).toEqual({ data: { whoami: 'carol' } });
      expect(await query(env.current.db.adminUrl, 'SELECT 1 FROM "user" WHERE subject = $1', ['carol'])).toHaveLength(1);
    });

    it('carries the promised header and claims', async () => {
      const token = await devToken({ sub: 'dave', email: 'dave@example.com', name: 'Dave' });
      const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid });
      expect(payload).toMatchObject({ sub: 'dave', email: 'dave@example.com', email_verified: true, name: 'Dave', iss: config.publicUrl, aud: 'rampart' });
      const unverified = await devToken({ sub: 'dave', email: 'dave@example.com', email_verified: false });
      expect(JSON.parse(Buffer.from(unverified.split('.')[1], 'base64url').toString())).toMatchObject({ email_verified: false });
      expect(payload.exp - payload.iat).toBe(3600);
      const short = await devToken({ sub: 'dave', email: 'dave@example.com', expiresInSeconds: 60 });
      const shortPayload = JSON.parse(Buffer.from(short.split('.')[1], 'base64url').toString());
      expect(shortPayload.exp - shortPayload.iat).toBe(60);
    });
  });

  describe('verified e-mails', () => {
    const stored = (subject: string) =>
      query(env.current.db.adminUrl, 'SELECT email, "emailVerified" FROM "user" WHERE subject = $1', [subject]).then((rows) => rows[0]);

    it('an e-mail counts only when the token says email_verified: true', async () => {
      await whoami(`Bearer ${await devToken({ sub: 'v|unverified', email: 'unverified@example.com', email_verified: false })}`);
      expect(await stored('v|unverified')).toEqual({ email: 'unverified@example.com', emailVerified: false });
      // An external issuer's token without the claim at all: unverified too.
      await whoami(`Bearer ${signRs256(claims({ sub: 'v|no-claim', email: 'no-claim@example.com' }))}`);
      expect(await stored('v|no-claim')).toEqual({ email: 'no-claim@example.com', emailVerified: false });
      // The same person later verified by the issuer.
      await whoami(`Bearer ${await devToken({ sub: 'v|unverified', email: 'unverified@example.com' })}`);
      expect(await stored('v|unverified')).toEqual({ email: 'unverified@example.com', emailVerified: true });
      // A later token without the claim keeps that for the same address, and verifies no new one.
      await whoami(`Bearer ${signRs256(claims({ sub: 'v|unverified', email: 'unverified@example.com' }))}`);
      expect(await stored('v|unverified')).toEqual({ email: 'unverified@example.com', emailVerified: true });
      await whoami(`Bearer ${signRs256(claims({ sub: 'v|unverified', email: 'changed@example.com' }))}`);
      expect(await stored('v|unverified')).toEqual({ email: 'changed@example.com', emailVerified: false });
    });

    it('a verified e-mail belongs to its first holder; a second subject presenting it (any case) is stored unverified', async () => {
      await whoami(`Bearer ${await devToken({ sub: 'v|first', email: 'shared@example.com' })}`);
      const answers = await Promise.all(
        ['v|second', 'v|third'].map(async (sub) => whoami(`Bearer ${await devToken({ sub, email: 'Shared@Example.com' })}`)),
      );
      expect(answers).toEqual([{ data: { whoami: 'v|second' } }, { data: { whoami: 'v|third' } }]);
      expect(await stored('v|first')).toEqual({ email: 'shared@example.com', emailVerified: true });
      expect(await stored('v|second')).toEqual({ email: 'Shared@Example.com', emailVerified: false });
      expect(await stored('v|third')).toEqual({ email: 'Shared@Example.com', emailVerified: false });
      // Once the first holder moves to another address, the next verified sign-in may take it.
      await whoami(`Bearer ${await devToken({ sub: 'v|first', email: 'moved@example.com' })}`);
      await whoami(`Bearer ${await devToken({ sub: 'v|second', email: 'Shared@Example.com' })}`);
      expect(await stored('v|second')).toEqual({ email: 'Shared@Example.com', emailVerified: true });
    });

    it('many subjects racing for one verified e-mail: exactly one holds it', async () => {
      const subjects = Array.from({ length: 6 }, (_, i) => `v|race-${i}`);
      const tokens = await Promise.all(subjects.map((sub) => devToken({ sub, email: 'race@example.com' })));
      await Promise.all(tokens.map((t) => whoami(`Bearer ${t}`)));
      const rows = await query(env.current.db.adminUrl, `SELECT count(*)::int AS n FROM "user" WHERE lower(email) = 'race@example.com' AND "emailVerified"`);
      expect(rows).toEqual([{ n: 1 }]);
    });
  });

  describe('tokens already verified', () => {
    const stored = (subject: string) => query(env.current.db.adminUrl, 'SELECT name FROM "user" WHERE subject = $1', [subject]).then((rows) => rows[0]);
    let verify: jest.SpiedFunction<typeof jwt.verify>;
    let fromClaims: jest.SpiedFunction<AuthUserService['fromClaims']>;

    beforeEach(() => {
      // Spies that call through: the real signature check, the real user read.
      verify = jest.spyOn(jwt, 'verify');
      fromClaims = jest.spyOn(app.get(AuthUserService), 'fromClaims');
    });
    afterEach(() => {
      jest.useRealTimers();
      verify.mockRestore();
      fromClaims.mockRestore();
    });

    it('a second request with the same token checks no signature and reads no user; other claims are another token', async () => {
      const token = await devToken({ sub: 'cache|one', email: 'cache-one@example.com', name: 'One' });
      for (let i = 0; i < 3; i++) expect(await whoami(`Bearer ${token}`)).toEqual({ data: { whoami: 'cache|one' } });
      expect(verify).toHaveBeenCalledTimes(1);
      expect(fromClaims).toHaveBeenCalledTimes(1);

      const renamed = signRs256(claims({ sub: 'cache|one', email: 'cache-one@example.com', email_verified: true, name: 'One renamed' }));
      expect(await whoami(`Bearer ${renamed}`)).toEqual({ data: { whoami: 'cache|one' } });
      expect(verify).toHaveBeenCalledTimes(2);
      expect(fromClaims).toHaveBeenCalledTimes(2);
      expect(await stored('cache|one')).toEqual({ name: 'One renamed' });

      // Same header and claims, another signature: not the remembered token.
      const [header, payload] = token.split('.');
      const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
      expectUnauthenticated(await whoami(`Bearer ${forged}`), 'Invalid or expired token');
    });

    it('an expired token is refused even when it was accepted (and remembered) moments before', async () => {
      const token = signRs256(claims({ sub: 'cache|short', email: 'cache-short@example.com', exp: now() + 5 }));
      expect(await whoami(`Bearer ${token}`)).toEqual({ data: { whoami: 'cache|short' } });
      expect(await whoami(`Bearer ${token}`)).toEqual({ data: { whoami: 'cache|short' } });
      expect(verify).toHaveBeenCalledTimes(1);
      // Only the clock moves: 36 s later, within the cache's minute but past exp and its 30 s tolerance.
      jest.useFakeTimers({
        now: Date.now() + 36_000,
        doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
      });
      expectUnauthenticated(await whoami(`Bearer ${token}`), 'Invalid or expired token');
    });
  });

  describe('public operations and routes', () => {
    it('need no token', async () => {
      const res = await http().post('/graphql').send({ query: '{ ping }' }).expect(200);
      expect(res.body).toEqual({ data: { ping: 'pong' } });
      await http().get('/open').expect(200, { open: true });
    });
  });

  describe('rejections', () => {
    it('a missing token: UNAUTHENTICATED, "Authentication required"', async () => {
      expectUnauthenticated(await whoami(), 'Authentication required');
      expectUnauthenticated(await whoami('Basic dXNlcjpwYXNz'), 'Authentication required');
      expectUnauthenticated(await whoami('Bearer '), 'Authentication required');
    });

    it('over HTTP: 401 with the same generic body', async () => {
      const missing = await http().get('/me').expect(401);
      expect(missing.body).toEqual({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED', message: 'Authentication required' });
      const expired = await http()
        .get('/me')
        .set('authorization', `Bearer ${signRs256(claims({ iat: now() - 7200, exp: now() - 3600 }))}`)
        .expect(401);
      expect(expired.body).toEqual({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED', message: 'Invalid or expired token' });
    });

    const otherKey = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases: [string, () => string][] = [
      ['expired', () => `Bearer ${signRs256(claims({ iat: now() - 7200, exp: now() - 3600 }))}`],
      ['not yet valid (nbf in the future)', () => `Bearer ${signRs256(claims({ nbf: now() + 3600 }))}`],
      ['a wrong issuer', () => `Bearer ${signRs256(claims({ iss: 'https://evil.example.com' }))}`],
      ['a wrong audience', () => `Bearer ${signRs256(claims({ aud: 'someone-else' }))}`],
      ['alg none (unsigned)', () => `Bearer ${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url(claims())}.`],
      [
        'HS256 signed with the PEM public key as secret',
        () => {
          const publicPem = createPublicKey(issuerKey).export({ type: 'spki', format: 'pem' });
          const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.${b64url(claims())}`;
          return `Bearer ${signingInput}.${createHmac('sha256', publicPem).update(signingInput).digest('base64url')}`;
        },
      ],
      ['an unknown kid (another key)', () => `Bearer ${signRs256(claims(), otherKey(), 'not-a-known-kid')}`],
      ['another key claiming the real kid', () => `Bearer ${signRs256(claims(), otherKey(), kid)}`],
      ['no kid at all, from another key', () => `Bearer ${sign(claims(), otherKey(), { algorithm: 'RS256' })}`],
      ['a tampered payload', () => {
        const [h, , s] = signRs256(claims()).split('.');
        return `Bearer ${h}.${b64url(claims({ sub: 'someone-else' }))}.${s}`;
      }],
      ['malformed: abc', () => 'Bearer abc'],
      ['malformed: a.b.c', () => 'Bearer a.b.c'],
      ['malformed: garbage', () => 'Bearer %%%$$$###!!!'],
      ['malformed: JSON in base64url but not a JWT', () => `Bearer ${b64url('x')}.${b64url([1])}.${b64url(null)}`],
      ['no sub claim', () => `Bearer ${signRs256(claims({ sub: undefined }))}`],
      // Refused by choice: the change log names people by e-mail, and roles find people by it.
      ['no email claim', () => `Bearer ${signRs256(claims({ email: undefined }))}`],
      ['no exp claim (would never expire)', () => `Bearer ${signRs256(claims({ exp: undefined }))}`],
      ['iat an hour in the future', () => `Bearer ${signRs256(claims({ iat: now() + 3600, exp: now() + 7200 }))}`],
      ['iat 2 minutes in the future', () => `Bearer ${signRs256(claims({ iat: now() + 120 }))}`],
      [
        'iat not a number (signed by hand: jsonwebtoken refuses to)',
        () => {
          const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims({ iat: 'yesterday' }))}`;
          return `Bearer ${signingInput}.${cryptoSign('sha256', Buffer.from(signingInput), issuerKey).toString('base64url')}`;
        },
      ],
    ];

    it.each(cases)('%s: UNAUTHENTICATED, "Invalid or expired token"', async (_name, authorization) => {
      // Twice: graphql-jit compiles the query after its first run, and both paths must format the error alike.
      expectUnauthenticated(await whoami(authorization()), 'Invalid or expired token');
      expectUnauthenticated(await whoami(authorization()), 'Invalid or expired token');
    });

    it('accepts iat a little ahead (issuer clock skew within 60 s)', async () => {
      expect(await whoami(`Bearer ${signRs256(claims({ sub: 'skewed', iat: now() + 20 }))}`)).toEqual({ data: { whoami: 'skewed' } });
    });

    it('logs the real reason at debug level only', async () => {
      logs.lines.length = 0;
      expectUnauthenticated(await whoami(`Bearer ${signRs256(claims({ exp: now() - 3600 }))}`), 'Invalid or expired token');
      const authLines = logs.lines.filter((l) => /token/.test(l.message));
      expect(authLines).toEqual([{ level: 'debug', message: expect.stringMatching(/TokenExpiredError: jwt expired/) }]);
    });

    it('never creates a user for a rejected token', async () => {
      expect(await query(env.current.db.adminUrl, 'SELECT 1 FROM "user" WHERE subject = $1', ['spoiled'])).toEqual([]);
      expect(await query(env.current.db.adminUrl, 'SELECT 1 FROM "user" WHERE subject = $1', ['someone-else'])).toEqual([]);
    });
  });

  describe('the local issuer', () => {
    it('serves the public key only, at /.well-known/jwks.json', async () => {
      const res = await http().get('/.well-known/jwks.json').expect(200);
      expect(res.body).toEqual({ keys: [{ kty: 'RSA', kid, alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' }] });
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(res.body.keys[0]).not.toHaveProperty(secret);
      // 2048-bit modulus.
      expect(Buffer.from(res.body.keys[0].n, 'base64url').length).toBe(256);
    });

    it('keeps the key in a private file that a restarted API reuses', async () => {
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      const token = await devToken({ sub: 'erin', email: 'erin@example.com' });
      const restarted = await createTestApp();
      try {
        expect(await whoami(`Bearer ${token}`, restarted)).toEqual({ data: { whoami: 'erin' } });
        const jwks = await request(restarted.getHttpServer()).get('/.well-known/jwks.json').expect(200);
        expect(jwks.body.keys[0].kid).toBe(kid);
      } finally {
        await restarted.close();
      }
      // The first instance still works: each has its own Passport strategy.
      expect(await whoami(`Bearer ${token}`)).toEqual({ data: { whoami: 'erin' } });
    });

    it('creates one key when several starts race for it', async () => {
      const file = path.join(keyDir, 'race', 'key.json');
      const keys = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateLocalIssuerKey(file)));
      expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
      expect(JSON.parse(await readFile(file, 'utf8')).kid).toBe(keys[0].kid);
    });

    it.each([
      [{ email: 'x@example.com' }, /^sub is required and must be a non-empty string$/],
      [{ sub: '  ', email: 'x@example.com' }, /^sub is required/],
      [{ sub: 42, email: 'x@example.com' }, /^sub is required/],
      [{ sub: 'x' }, /^email is required and must be a non-empty string$/],
      [{ sub: 'x', email: 'not-an-email' }, /^email must be an email address$/],
      [{ sub: 'x', email: 'x@example.com', name: 7 }, /^name must be a string$/],
      [{ sub: 'x', email: 'x@example.com', email_verified: 'yes' }, /^email_verified must be true or false$/],
      [{ sub: 'x', email: 'x@example.com', expiresInSeconds: 86_401 }, /^expiresInSeconds must be a whole number between 1 and 86400$/],
      [{ sub: 'x', email: 'x@example.com', expiresInSeconds: 1.5 }, /^expiresInSeconds must be/],
      [['sub'], /^body must be a JSON object/],
    ])('POST /auth/dev/token refuses %j with 400 naming the field', async (body, message) => {
      const res = await http().post('/auth/dev/token').send(body).expect(400);
      expect(res.body.message).toMatch(message);
    });
  });

  describe('with an external issuer', () => {
    const saved: Record<string, string | undefined> = {};
    const setEnv = (values: Record<string, string | undefined>) => {
      for (const [name, value] of Object.entries(values)) {
        if (!(name in saved)) saved[name] = process.env[name];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    afterEach(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
        delete saved[name];
      }
    });

    it('in production the local issuer routes do not exist', async () => {
      setEnv({ NODE_ENV: 'production', OIDC_ISSUER_URL: 'https://login.example.invalid' });
      const production = await createTestApp();
      try {
        const server = production.getHttpServer();
        await request(server).post('/auth/dev/token').send({ sub: 'x', email: 'x@example.com' }).expect(404);
        await request(server).get('/.well-known/jwks.json').expect(404);
        // Public things still work, and protected ones still want a token.
        await request(server).get('/open').expect(200);
        await request(server).get('/me').expect(401);
      } finally {
        await production.close();
      }
    });

    it('validates against the JWKS found through OIDC discovery, fetched once', async () => {
      const externalKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const hits: string[] = [];
      const server: Server = createServer((req, res) => {
        hits.push(req.url ?? '');
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        res.setHeader('content-type', 'application/json');
        if (req.url === '/.well-known/openid-configuration') {
          res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` }));
        } else if (req.url === '/keys') {
          res.end(JSON.stringify({ keys: [{ ...createPublicKey(externalKey).export({ format: 'jwk' }), kid: 'ext-1', alg: 'RS256', use: 'sig' }] }));
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      setEnv({ OIDC_ISSUER_URL: issuer, OIDC_AUDIENCE: 'rampart-api' });
      const external = await createTestApp();
      try {
        // Discovery is lazy: starting the API asked the issuer nothing.
        expect(hits).toEqual([]);
        await request(external.getHttpServer()).post('/auth/dev/token').send({ sub: 'x', email: 'x@example.com' }).expect(404);

        const token = sign({ email: 'frank@example.com', name: 'Frank' }, externalKey, {
          algorithm: 'RS256',
          keyid: 'ext-1',
          issuer,
          audience: 'rampart-api',
          subject: 'idp|frank',
          expiresIn: 300,
        });
        expect(await whoami(`Bearer ${token}`, external)).toEqual({ data: { whoami: 'idp|frank' } });
        expect(await whoami(`Bearer ${token}`, external)).toEqual({ data: { whoami: 'idp|frank' } });
        expect(hits).toEqual(['/.well-known/openid-configuration', '/keys']);

        // A local-issuer token means nothing to this deployment.
        const local = signRs256(claims({ sub: 'local' }));
        expectUnauthenticated(await whoami(`Bearer ${local}`, external), 'Invalid or expired token');
      } finally {
        await external.close();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('a flood of tokens with unknown kids does not delay a rotated key: its first token is accepted', async () => {
      const jwk = (key: KeyObject, keyId: string) => ({ ...createPublicKey(key).export({ format: 'jwk' }), kid: keyId, alg: 'RS256', use: 'sig' });
      const current = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      let published = [jwk(current, 'current')];
      const hits: string[] = [];
      const server: Server = createServer((req, res) => {
        hits.push(req.url ?? '');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: published }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      setEnv({ OIDC_ISSUER_URL: issuer, OIDC_JWKS_URI: `${issuer}/keys`, OIDC_AUDIENCE: 'rampart-api' });
      const external = await createTestApp();
      const tokenFor = (key: KeyObject, keyId: string, subject: string) =>
        `Bearer ${sign({ email: `${subject}@example.com`, email_verified: true }, key, { algorithm: 'RS256', keyid: keyId, issuer, audience: 'rampart-api', subject, expiresIn: 300 })}`;
      try {
        expect(await whoami(tokenFor(current, 'current', 'before'), external)).toEqual({ data: { whoami: 'before' } });

        // 40 tokens with random kids at once (jwks-rsa's global budget was 10 fetches a minute).
        const flood = await Promise.all(
          Array.from({ length: 40 }, (_, i) => whoami(tokenFor(attacker, `random-${i}-${Math.random()}`, `attacker-${i}`), external)),
        );
        for (const answer of flood) expectUnauthenticated(answer, 'Invalid or expired token');
        const afterFlood = hits.length;
        // The same unknown kid again is refused without asking the issuer.
        const repeated = tokenFor(attacker, 'random-0-again', 'attacker');
        expectUnauthenticated(await whoami(repeated, external), 'Invalid or expired token');
        const afterFirstRepeat = hits.length;
        expectUnauthenticated(await whoami(repeated, external), 'Invalid or expired token');
        expect(hits.length).toBe(afterFirstRepeat);
        expect(afterFlood).toBeGreaterThan(1);

        // The issuer rotates its key: the first token signed with it is accepted.
        published = [jwk(current, 'current'), jwk(rotated, 'rotated')];
        expect(await whoami(tokenFor(rotated, 'rotated', 'after-rotation'), external)).toEqual({ data: { whoami: 'after-rotation' } });
        expect(await whoami(tokenFor(current, 'current', 'before'), external)).toEqual({ data: { whoami: 'before' } });
      } finally {
        await external.close();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
