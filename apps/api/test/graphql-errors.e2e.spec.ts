import type { IncomingMessage } from 'node:http';
import { type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Field, InputType, Mutation, Args, Query, Resolver } from '@nestjs/graphql';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AppError,
  ConfigModule,
  DbModule,
  PrismaService,
  requestIdFor,
  rampartGraphQLModule,
} from '@rampart/platform';
import { useTestEnvironment } from '@rampart/testing';
import request from 'supertest';

// A test-only application (config, database, the platform's GraphQL options)
// with resolvers that fail in every way a real one can, so masking is tested
// end to end without depending on AppModule.

@InputType({ description: 'Test input.' })
class NameInput {
  @Field({ description: 'A name.' })
  name!: string;
}

@Resolver()
class FailingResolver {
  constructor(private readonly prisma: PrismaService) {}

  @Query(() => String, { description: 'Fails inside PostgreSQL through Prisma.' })
  async databaseFailure(): Promise<string> {
    await this.prisma.$queryRawUnsafe('SELECT secret_column FROM no_such_table_for_masking WHERE id = 42');
    return 'unreachable';
  }

  @Query(() => String, { description: 'Fails with a plain Error.' })
  plainFailure(): string {
    throw new Error('plain failure with internal detail /srv/secret.ts');
  }

  @Query(() => String, { nullable: true, description: 'Fails with an expected error.' })
  appFailure(): string {
    throw AppError.badInput('input.name', 'must not be blank');
  }

  @Query(() => String, { description: 'Succeeds.' })
  fine(): string {
    return 'ok';
  }

  @Mutation(() => String, { description: 'Echoes a name.' })
  echo(@Args('input', { description: 'The input.' }) input: NameInput): string {
    return input.name;
  }
}

/** Keeps every call with its arguments, so tests can find what was logged for a request. */
class RecordingLogger implements LoggerService {
  readonly calls: { level: string; args: unknown[] }[] = [];
  log(...args: unknown[]): void {
    this.calls.push({ level: 'log', args });
  }
  error(...args: unknown[]): void {
    this.calls.push({ level: 'error', args });
  }
  warn(...args: unknown[]): void {
    this.calls.push({ level: 'warn', args });
  }
  debug(...args: unknown[]): void {
    this.calls.push({ level: 'debug', args });
  }
  verbose(...args: unknown[]): void {
    this.calls.push({ level: 'verbose', args });
  }
}

async function createTestApp(logger: LoggerService): Promise<NestFastifyApplication> {
  @Module({
    imports: [
      ConfigModule,
      DbModule,
      rampartGraphQLModule(),
    ],
    providers: [FailingResolver],
  })
  class ErrorsTestModule {}

  const app = await NestFactory.create<NestFastifyApplication>(
    ErrorsTestModule,
    // The API's request ids (the caller's x-request-id when safe), as createApp sets them up.
    new FastifyAdapter({ logger: false, genReqId: (req: unknown) => requestIdFor(req as IncomingMessage), requestIdHeader: false }),
    { logger, abortOnError: false },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** What must never reach a client: SQL, Prisma, PostgreSQL and stack-trace text. */
const LEAKS = [/SELECT/i, /prisma/i, /no_such_table/, /secret/i, /postgres/i, /relation/i, /\bat [^\s]+ \(/, /\.ts:\d+/, /node_modules/];

function expectMasked(body: { data: unknown; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] }, field: string, requestId: string) {
  expect(body.data).toBeNull();
  expect(body.errors).toEqual([
    { message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: [field], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } },
  ]);
  const text = JSON.stringify(body);
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

describe('GraphQL error masking (e2e)', () => {
  useTestEnvironment();
  const logger = new RecordingLogger();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp(logger);
  });
  afterAll(() => app?.close());

  const gql = (query: string, requestId: string, variables: Record<string, unknown> = {}) =>
    request(app.getHttpServer()).post('/graphql').set('x-request-id', requestId).send({ query, variables });

  /** The error entries logged for one request id. */
  const loggedFor = (requestId: string) =>
    logger.calls.filter((c) => c.level === 'error' && (c.args[0] as { requestId?: string } | undefined)?.requestId === requestId);

  // Twice each: the first run is interpreted, later runs use the graphql-jit compiled query (jit: 1).
  it.each([1, 2])('masks a Prisma/SQL error and logs it in full with the request id (run %i)', async (run) => {
    const requestId = `mask-db-${run}`;
    const res = await gql('{ databaseFailure }', requestId);
    expect(res.headers['content-type']).toContain('application/json');
    expectMasked(res.body, 'databaseFailure', requestId);

    const logged = loggedFor(requestId);
    expect(logged).toHaveLength(1);
    const entry = logged[0].args[0] as { err: Error; path: string[] };
    expect(entry.path).toEqual(['databaseFailure']);
    expect(entry.err.message).toContain('no_such_table_for_masking');
    expect(entry.err.stack).toMatch(/\n\s+at /);
  });

  it.each([1, 2])('masks a plain Error with a stack and logs the stack (run %i)', async (run) => {
    const requestId = `mask-plain-${run}`;
    const res = await gql('{ plainFailure }', requestId);
    expectMasked(res.body, 'plainFailure', requestId);
    const [entry] = loggedFor(requestId).map((c) => c.args[0] as { err: Error });
    expect(entry.err.message).toBe('plain failure with internal detail /srv/secret.ts');
    expect(entry.err.stack).toMatch(/\n\s+at /);
  });

  it('masks one failing field and keeps the data of the others', async () => {
    const res = await gql('{ fine plainFailure }', 'mask-partial');
    // plainFailure is non-null, so the whole data is null per the GraphQL spec; the error is still masked.
    expect(res.body.errors).toEqual([expect.objectContaining({ message: 'Internal server error', path: ['plainFailure'] })]);
    const nullable = await gql('{ fine appFailure }', 'mask-partial-2');
    expect(nullable.body.data).toEqual({ fine: 'ok', appFailure: null });
  });

  it.each([1, 2])('keeps an AppError’s message, code and field (run %i)', async () => {
    const res = await gql('{ appFailure }', 'app-error');
    expect(res.body).toEqual({
      data: { appFailure: null },
      errors: [
        {
          message: 'input.name: must not be blank',
          locations: [{ line: 1, column: 3 }],
          path: ['appFailure'],
          extensions: { code: 'BAD_USER_INPUT', field: 'input.name' },
        },
      ],
    });
    expect(loggedFor('app-error')).toEqual([]);
    // Nor by Nest on its own (it logs every exception a resolver throws, with its stack, unless told not to).
    expect(logger.calls.filter((c) => c.level === 'error' && c.args.some((a) => a instanceof AppError))).toEqual([]);
    // The caller's mistake is one line at info (Nest's `log`), with its code and field, and no error object.
    const info = logger.calls.filter((c) => c.level === 'log' && (c.args[0] as { requestId?: string } | undefined)?.requestId === 'app-error');
    expect(info.at(-1)?.args).toEqual([{ requestId: 'app-error', code: 'BAD_USER_INPUT', field: 'input.name', path: ['appFailure'] }, 'input.name: must not be blank', 'GraphQL']);
  });

  it('reports validation errors one by one with GRAPHQL_VALIDATION_FAILED (not as a server error), suggestions kept outside production', async () => {
    const res = await gql('{ fien nope }', 'validation');
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([
      {
        message: 'Cannot query field "fien" on type "Query". Did you mean "fine"?',
        locations: [{ line: 1, column: 3 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
      { message: 'Cannot query field "nope" on type "Query".', locations: [{ line: 1, column: 8 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    ]);
    expect(loggedFor('validation')).toEqual([]);
  });

  it('reports syntax and variable errors as GRAPHQL_VALIDATION_FAILED', async () => {
    const syntax = await gql('{ fine', 'syntax');
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Syntax Error/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);

    const variables = await gql('mutation($input: NameInput!) { echo(input: $input) }', 'variables', { input: { nmae: 'x' } });
    expect(variables.body.errors).toEqual([
      expect.objectContaining({ message: 'Field "name" of required type "String!" was not provided.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
      expect.objectContaining({ message: 'Field "nmae" is not defined by type "NameInput". Did you mean "name"?', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    ]);
    expect(loggedFor('syntax')).toEqual([]);
    expect(loggedFor('variables')).toEqual([]);
  });

  it('refuses a batched request with BAD_REQUEST, not a masked server error', async () => {
    const res = await request(app.getHttpServer()).post('/graphql').set('x-request-id', 'batched').send([{ query: '{ fine }' }, { query: '{ fine }' }]);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
    expect(JSON.stringify(res.body)).not.toContain('"ok"');
    expect(loggedFor('batched')).toEqual([]);
  });
});
