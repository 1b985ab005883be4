import 'reflect-metadata';
import {
  AuditCheckpointService,
  type CheckpointOutcome,
  PrismaService,
  auditSigningKey,
  auditVerifyKeys,
  loadConfig,
  publicKeyText,
} from '@rampart/platform';
import { UsageError, runCommand, tenantOption } from './command';

/**
 * `npm run audit:checkpoint -- [--tenant <id>]`: signs change-log heads now, as the
 * worker's periodic job does (every due tenant, or one). `--public-key` prints the
 * verification key to give verifiers (AUDIT_VERIFY_KEY) and signs nothing.
 * Exit codes: 0 done, 1 a tenant's log did not verify (nothing signed for it), 2 usage or configuration error.
 */

const USAGE = 'usage: npm run audit:checkpoint -- [--tenant <tenant id (UUID)>] [--public-key]';

function parse(argv: string[]): { tenantId?: string; publicKey: boolean } {
  const out: { tenantId?: string; publicKey: boolean } = { publicKey: false };
  for (let i = 0; i < argv.length; ) {
    const tenant = tenantOption(argv, i, USAGE);
    if (tenant) {
      out.tenantId = tenant.tenantId;
      i += tenant.taken;
    } else if (argv[i] === '--public-key') {
      out.publicKey = true;
      i += 1;
    } else throw new UsageError(USAGE);
  }
  return out;
}

function describe(outcome: CheckpointOutcome): string {
  switch (outcome.status) {
    case 'signed':
      return `tenant ${outcome.tenantId}: signed checkpoint at sequence ${outcome.seq}`;
    case 'up-to-date':
      return `tenant ${outcome.tenantId}: already signed at its head`;
    case 'refused':
      return `tenant ${outcome.tenantId}: NOT signed — ${outcome.reason}`;
  }
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const config = loadConfig({ ...process.env, DATABASE_POOL_SIZE: '2' });
  const key = await auditSigningKey(config);
  if (args.publicKey) {
    process.stdout.write(`AUDIT_VERIFY_KEY=${publicKeyText(key.publicKey)}  (key id ${key.keyId})\n`);
    return 0;
  }
  const verifyKeys = await auditVerifyKeys(config);
  const prisma = new PrismaService(config);
  try {
    const service = new AuditCheckpointService(prisma);
    const outcomes = args.tenantId ? [await service.checkpointTenant(args.tenantId, key, verifyKeys)] : await service.checkpointAll(key, verifyKeys);
    for (const outcome of outcomes) process.stdout.write(`${describe(outcome)}\n`);
    if (!outcomes.length) process.stdout.write('no tenant has entries beyond its newest checkpoint\n');
    return outcomes.some((o) => o.status === 'refused') ? 1 : 0;
  } finally {
    await prisma.$disconnect();
  }
}

runCommand('audit:checkpoint', main);
