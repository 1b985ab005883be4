import path from 'node:path';

/**
 * Runs once per Jest run: generate the Prisma client if needed and build the
 * migrated template database. Loads scripts/lib.mjs (the same code `npm start`
 * uses) through a real dynamic import, since it is an ES module.
 */
export default async function globalSetup(): Promise<void> {
  const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, (...args: unknown[]) => Promise<unknown>>>;
  const lib = await importEsm(path.resolve(__dirname, '../../../../scripts/lib.mjs'));
  await lib.checkRedis();
  await lib.ensureDatabase();
  await lib.generatePrismaClient();
  process.env.RAMPART_TEST_TEMPLATE = (await lib.ensureTestTemplate()) as string;
}
