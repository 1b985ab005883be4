import 'reflect-metadata';
import { AuditCheckpointService, ConfigError, PrismaService, auditVerifyKeys, isUuid, loadConfig } from '@rampart/platform';

/**
 * `npm run audit:verify -- --tenant <id>`: recomputes a tenant's hash chain, checks it
 * against the chain head and against every signed checkpoint, and names the first bad
 * sequence number when a row was altered, deleted, reordered or the whole log rewritten.
 * Exit codes: 0 intact, 1 broken (or no such tenant), 2 usage, configuration or connection error.
 */

class UsageError extends Error {}

function tenantArgument(argv: string[]): string {
  const i = argv.indexOf('--tenant');
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--tenant='))?.slice('--tenant='.length);
  if (!value || !isUuid(value)) throw new UsageError('usage: npm run audit:verify -- --tenant <tenant id (UUID)>');
  return value;
}

async function main(): Promise<number> {
  const tenantId = tenantArgument(process.argv.slice(2));
  const config = loadConfig({ ...process.env, DATABASE_POOL_SIZE: '2' });
  const keys = await auditVerifyKeys(config);
  const prisma = new PrismaService(config);
  try {
    // Read as the runtime role inside the tenant, like the API: row-level security applies.
    const result = await new AuditCheckpointService(prisma).verifyTenant(tenantId, keys);
    const subject = `audit chain of tenant ${tenantId}`;
    switch (result.kind) {
      case 'unknown-tenant':
        process.stdout.write(`${subject} is BROKEN: no tenant has this id (unknown tenant)\n`);
        return 1;
      case 'no-verification-key':
        process.stderr.write(
          `audit:verify: the tenant has ${result.checkpoints} signed checkpoint(s) but no verification key is configured: set AUDIT_VERIFY_KEY (or AUDIT_SIGNING_KEY_FILE)\n`,
        );
        return 2;
      case 'chain': {
        const { verdict } = result;
        if (!verdict.ok) {
          process.stdout.write(`${subject} is BROKEN: first bad sequence ${verdict.firstBadSeq} — ${verdict.reason}\n`);
          return 1;
        }
        const cp = verdict.checkpoint;
        const signed = cp
          ? `; matches ${result.checkpoints} signed checkpoint(s), the newest at sequence ${cp.seq} (signed at ${cp.signedAt.toISOString()}, key ${cp.keyId})` +
            (verdict.lastSeq > cp.seq ? `; entries ${cp.seq + 1n}…${verdict.lastSeq} are not signed yet` : '')
          : '; no signed checkpoint yet (a rewrite of the whole log would go unnoticed until one exists)';
        process.stdout.write(`${subject} is intact: ${verdict.entries} entries, last sequence ${verdict.lastSeq}${signed}\n`);
        return 0;
      }
    }
  } finally {
    await prisma.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError || error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : error}\n`);
    process.exit(2);
  },
);
