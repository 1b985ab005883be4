import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printGraphQLSchema } from './graphql/schema-printer';

/** `npm run schema:generate`: writes apps/api/schema.graphql from the code-first types. */
async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'silent';
  const { createApp } = await import('./create-app');
  const app = await createApp();
  await app.init();
  const file = path.resolve(__dirname, '../schema.graphql');
  writeFileSync(file, printGraphQLSchema(app));
  await app.close();
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
