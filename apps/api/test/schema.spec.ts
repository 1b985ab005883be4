import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { useTestEnvironment } from '@rampart/testing';
import { createApp } from '../src/create-app';
import { printGraphQLSchema } from '../src/graphql/schema-printer';

describe('schema.graphql', () => {
  useTestEnvironment();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createApp();
    await app.init();
  });
  afterAll(() => app?.close());

  it('is up to date with the code-first types (run `npm run schema:generate` when this fails)', () => {
    const committed = readFileSync(path.resolve(__dirname, '../schema.graphql'), 'utf8');
    expect(printGraphQLSchema(app)).toBe(committed);
  });
});
