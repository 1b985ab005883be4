import 'reflect-metadata';
import {
  AuditCheckpointService,
  type CheckpointOutcome,
  ConfigError,
  PrismaService,
  auditSigningKey,
  auditVerifyKeys,
  loadConfig,
  publicKeyText,
} from '@rampart/platform';

/**
 * `npm run audit:checkpoint -- [--tenant <id>]`: signs change-log heads now, as the
 * worker's periodic job does (every due tenant, or one). `--public-key` prints the
 * verification key to give verifiers (AUDIT_VERIFY_KEY) and signs nothing.
 * Exit codes: 0 done, 1 a tenant's log did not verify (nothing signed for it), 2 usage or configuration error.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USAGE = 'usage: npm run audit:checkpoint -- [--tenant <tenant id (UUID)>] [--public-key]';

class UsageError extends Error {}

function parse(argv: string[]): { tenantId?: string; publicKey: boolean } {
  const out: { tenantId?: string; publicKey: boolean } = { publicKey: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--public-key') out.publicKey = true;
    else if (arg === '--tenant' || arg.startsWith('--tenant=')) {
      const value = arg === '--tenant' ? argv[++i] : arg.slice('--tenant='.length);
      if (!value || !UUID.test(value)) throw new UsageError(USAGE);
      out.tenantId = value;
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

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError || error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`audit:checkpoint failed: ${error instanceof Error ? error.message : error}\n`);
    process.exit(2);
  },
);
