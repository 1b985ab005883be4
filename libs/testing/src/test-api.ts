import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';

export interface GqlResult<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

export interface TestUser {
  token: string;
  userId: string;
  email: string;
  subject: string;
}

/**
 * The real API (the same createApp production uses) on this file's database and
 * Redis prefix, with helpers to sign users in through the local issuer and send
 * GraphQL requests over HTTP.
 */
export class TestApi {
  private constructor(readonly app: NestFastifyApplication) {}

  static async start(createApp: () => Promise<NestFastifyApplication>): Promise<TestApi> {
    const app = await createApp();
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return new TestApi(app);
  }

  http() {
    return request(this.app.getHttpServer());
  }

  async gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> {
    const req = this.http().post('/graphql').send({ query, variables });
    if (token) req.set('authorization', `Bearer ${token}`);
    const res = await req;
    return { status: res.status, data: res.body.data ?? null, errors: res.body.errors };
  }

  /** GraphQL data, failing the test with the errors when there are any. */
  async gqlOk<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    const result = await this.gql<T>(query, variables, token);
    if (result.errors?.length || !result.data) {
      throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
    }
    return result.data;
  }

  /** A new user, signed in through POST /auth/dev/token and seen once by the API (so the user row exists). */
  async signUp(label = 'user'): Promise<TestUser> {
    const tag = randomBytes(4).toString('hex');
    const subject = `test|${label}-${tag}`;
    const email = `${label}-${tag}@example.test`;
    const res = await this.http().post('/auth/dev/token').send({ sub: subject, email, name: label }).expect(200);
    const token: string = res.body.accessToken;
    const me = await this.gqlOk<{ me: { user: { id: string } } }>('{ me { user { id } } }', {}, token);
    return { token, userId: me.me.user.id, email, subject };
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/** `extensions.code` of the first error, or 'data' when the call succeeded. */
export function outcomeOf(result: GqlResult): string {
  if (result.errors?.length) return String(result.errors[0].extensions?.code ?? 'NO_CODE');
  return 'data';
}
