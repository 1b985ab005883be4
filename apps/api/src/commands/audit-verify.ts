import 'reflect-metadata';
import { PrismaPg } from '@prisma/adapter-pg';
import { ChainVerifier, ConfigError, type JsonValue, PrismaClient, isUuid, loadConfig } from '@rampart/platform';

/**
 * `npm run audit:verify -- --tenant <id>`: recomputes a tenant's hash chain and
 * names the first bad sequence number when a row was altered, deleted or reordered.
 * Exit codes: 0 intact, 1 broken, 2 usage or connection error.
 */

const PAGE = 5_000;

function tenantArgument(argv: string[]): string {
  const i = argv.indexOf('--tenant');
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--tenant='))?.slice('--tenant='.length);
  if (!value || !isUuid(value)) {
    process.stderr.write('usage: npm run audit:verify -- --tenant <tenant id (UUID)>\n');
    process.exit(2);
  }
  return value;
}

async function main(): Promise<number> {
  const tenantId = tenantArgument(process.argv.slice(2));
  const config = loadConfig();
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.databaseUrl, max: 2 }) });
  try {
    const verifier = new ChainVerifier();
    // Read as the runtime role inside the tenant, like the API: row-level security applies.
    const head = await prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
      let after = 0n;
      for (;;) {
        const rows = await tx.auditLogEntry.findMany({ where: { tenantId, seq: { gt: after } }, orderBy: { seq: 'asc' }, take: PAGE });
        for (const row of rows) {
          if (!verifier.push({ ...row, before: row.before as JsonValue, after: row.after as JsonValue })) return tx.auditChainHead.findUnique({ where: { tenantId } });
        }
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1].seq;
      }
      return tx.auditChainHead.findUnique({ where: { tenantId } });
    }, { timeout: 600_000 });
    const verdict = verifier.finish(head);
    if (verdict.ok) {
      process.stdout.write(`audit chain of tenant ${tenantId} is intact: ${verdict.entries} entries, last sequence ${verdict.lastSeq}\n`);
      return 0;
    }
    process.stdout.write(`audit chain of tenant ${tenantId} is BROKEN: first bad sequence ${verdict.firstBadSeq} — ${verdict.reason}\n`);
    return 1;
  } finally {
    await prisma.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `audit:verify failed: ${error instanceof Error ? error.message : error}\n`);
    process.exit(2);
  },
);
