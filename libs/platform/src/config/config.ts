import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { findWorkspaceRoot } from './workspace-root';

// One typed, validated configuration for the API and the worker. Local defaults
// work against the PostgreSQL/Redis that `npm start` prepares; a bad value stops
// start-up with one line naming the variable.

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be a whole number between ${min} and ${max}` });

const urlWithProtocol = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production'], { message: 'must be development, test or production' }).default('development'),
  HOST: z.string().trim().min(1, { message: 'must not be empty' }).default('0.0.0.0'),
  PORT: integer(1, 65535).default(3000),
  WORKER_PORT: integer(1, 65535).default(3001),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  DATABASE_URL: urlWithProtocol(['postgresql:', 'postgres:']).default(
    'postgresql://rampart_app:rampart_app@127.0.0.1:5432/rampart',
  ),
  DATABASE_POOL_SIZE: integer(1, 500).default(10),
  REDIS_URL: urlWithProtocol(['redis:', 'rediss:']).default('redis://127.0.0.1:6379/0'),
  QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9:_{}-]+$/, { message: 'may contain only letters, digits and : _ - { }' })
    .default('rampart'),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
  READINESS_TIMEOUT_MS: integer(50, 60_000).default(1_000),
  HOUSEKEEPING_EVERY_MS: integer(1_000, 86_400_000).default(3_600_000),
  AUDIT_CHECKPOINT_EVERY_MS: integer(1_000, 86_400_000).default(900_000),
  AUDIT_SIGNING_KEY_FILE: z.string().trim().min(1, { message: 'must not be empty' }).optional(),
  AUDIT_VERIFY_KEY: z
    .string()
    .trim()
    .refine((v) => v.split(',').every((k) => /^[A-Za-z0-9_-]{43}$/.test(k.trim()) && Buffer.from(k.trim(), 'base64url').length === 32), {
      message: 'must be Ed25519 public keys: base64url of 32 bytes (43 characters), separated by commas',
    })
    .optional(),
  OIDC_ISSUER_URL: urlWithProtocol(['https:', 'http:']).optional(),
  OIDC_AUDIENCE: z.string().trim().min(1, { message: 'must not be empty' }).default('rampart'),
  OIDC_JWKS_URI: urlWithProtocol(['https:', 'http:']).optional(),
  LOCAL_ISSUER_KEY_FILE: z.string().trim().min(1, { message: 'must not be empty' }).default('.rampart/local-issuer-key.json'),
  PUBLIC_URL: urlWithProtocol(['https:', 'http:']).optional(),
  GRAPHQL_MAX_DEPTH: integer(1, 100).default(10),
  GRAPHQL_MAX_COST: integer(1, 10_000_000).default(25_000),
  INVITATION_TTL_DAYS: integer(1, 365).default(14),
  EVALUATION_THREADS: integer(1, 256).optional(),
  EVALUATION_QUEUE_SIZE: integer(0, 100_000).default(32),
  EVALUATION_TIMEOUT_MS: integer(1, 600_000).default(2_000),
  GRAPHQL_MAX_ROOT_FIELDS: integer(1, 1_000).default(20),
  GRAPHQL_MAX_ALIASES: integer(0, 10_000).default(100),
  GRAPHQL_ROOT_FIELD_COST: integer(0, 100_000).default(100),
  GRAPHQL_MAX_TOKENS: integer(100, 10_000_000).default(20_000),
  RATE_LIMIT_WINDOW_MS: integer(1_000, 86_400_000).default(60_000),
  RATE_LIMIT_PER_IP: integer(1, 10_000_000).default(1_200),
  RATE_LIMIT_PER_PRINCIPAL: integer(1, 10_000_000).default(600),
  RATE_LIMIT_PER_TENANT: integer(1, 10_000_000).default(1_200),
  RATE_LIMIT_IN_FLIGHT: integer(1, 10_000).default(8),
  METRICS_TOKEN: z.string().trim().min(32, { message: 'must be at least 32 characters' }).optional(),
  QUOTA_TENANTS_PER_USER: integer(1, 1_000_000).default(25),
  QUOTA_CLOUD_SCOPES_PER_TENANT: integer(1, 1_000_000).default(500),
  QUOTA_CLUSTERS_PER_TENANT: integer(1, 1_000_000).default(5_000),
  QUOTA_POLICIES_PER_TENANT: integer(1, 1_000_000).default(200),
});

const validated = schema.superRefine((c, ctx) => {
  // Without an issuer production would have no way to authenticate anyone: the
  // local issuer is a development tool and never runs there.
  if (c.NODE_ENV === 'production' && !c.OIDC_ISSUER_URL) {
    ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER_URL'], message: 'must be set when NODE_ENV is production' });
  }
});

// Relative key-file paths are anchored at the workspace root, not the working
// directory, so `npm start` and Jest (which may run from elsewhere) share one key.
const WORKSPACE_ROOT = findWorkspaceRoot();

/** Trailing slashes would make `iss` comparisons and URL joins fragile. */
const withoutTrailingSlash = (url: string): string => url.replace(/\/+$/, '');

type Parsed = z.infer<typeof schema>;

export interface AppConfig {
  nodeEnv: Parsed['NODE_ENV'];
  host: string;
  port: number;
  /** Where the worker serves /healthz, /readyz and /metrics (on HOST). */
  workerPort: number;
  logLevel: Parsed['LOG_LEVEL'];
  databaseUrl: string;
  databasePoolSize: number;
  redisUrl: string;
  queuePrefix: string;
  shutdownTimeoutMs: number;
  readinessTimeoutMs: number;
  housekeepingEveryMs: number;
  /** Interval of the job that signs each tenant's change-log head. */
  auditCheckpointEveryMs: number;
  /**
   * Absolute path of the Ed25519 key that signs change-log checkpoints. Outside production
   * it defaults to a git-ignored file made on first use; in production it must be given.
   */
  auditSigningKeyFile?: string;
  /** Public keys (base64url) checkpoints are verified with; empty: derived from the signing key file. */
  auditVerifyKeys: string[];
  /** External OpenID Connect issuer; unset means the API is its own (local) issuer outside production. */
  oidcIssuerUrl?: string;
  oidcAudience: string;
  /** Overrides the `jwks_uri` of the issuer's discovery document. */
  oidcJwksUri?: string;
  /** Absolute path of the local issuer's signing key. */
  localIssuerKeyFile: string;
  /** Where clients reach this API; the local issuer's `iss`. */
  publicUrl: string;
  /** Deepest nesting of fields a GraphQL operation may select (`{ me { user { id } } }` is 3). */
  graphqlMaxDepth: number;
  /** Highest estimated cost of a GraphQL operation (see graphql/graphql-limits.ts for the model). */
  graphqlMaxCost: number;
  /** How long a pending invitation (assignRole to an e-mail nobody holds verified yet) stays bindable. */
  invitationTtlDays: number;
  /** Worker threads for manifest evaluation and on-demand bundles (default: cores - 1, at least 1). */
  evaluationThreads: number;
  /** Evaluation tasks that may wait for a thread; beyond that a request is refused as OVERLOADED. */
  evaluationQueueSize: number;
  /** Running time allowed to one evaluation task before its thread is stopped. */
  evaluationTimeoutMs: number;
  /** Most root fields (distinct response names, aliases included) one GraphQL operation may select. */
  graphqlMaxRootFields: number;
  /** Most aliased fields one GraphQL operation may hold, at any depth. */
  graphqlMaxAliases: number;
  /** Cost added per root field on top of its selection (each runs the guards and a resolver of its own). */
  graphqlRootFieldCost: number;
  /** Most lexical tokens a GraphQL document may have: parsing stops there. */
  graphqlMaxTokens: number;
  /**
   * Requests allowed per window: per client IP (before authentication), per authenticated user, per targeted tenant;
   * and requests one bearer token (or, without one, one IP) may have in progress at once in this process.
   */
  rateLimits: { windowMs: number; perIp: number; perPrincipal: number; perTenant: number; inFlight: number };
  /** Bearer token a Prometheus scraper must present at /metrics (in production /metrics is closed without one). */
  metricsToken?: string;
  /** Most of each kind of object one user or tenant may have (see quota/quota.service.ts). */
  quotas: { tenantsPerUser: number; cloudScopesPerTenant: number; clustersPerTenant: number; policiesPerTenant: number };
}

/** Whether the API issues its own development tokens (never in production: config requires an issuer there). */
export function localIssuerEnabled(config: Pick<AppConfig, 'nodeEnv' | 'oidcIssuerUrl'>): boolean {
  return config.nodeEnv !== 'production' && !config.oidcIssuerUrl;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SECRETS = new Set(['METRICS_TOKEN']);

function describeValue(value: unknown): string {
  if (value === undefined) return 'not set';
  const text = String(value);
  // Never echo credentials from a URL back into a log line.
  return `got "${text.replace(/\/\/[^@/]*@/, '//***@')}"`;
}

/** Reads and validates the environment; throws ConfigError with one line naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    input[key] = value === '' ? undefined : value;
  }
  const result = validated.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      // A secret is never echoed, not even a wrong one.
      const shown = SECRETS.has(name) ? `got ${input[name]?.length ?? 0} characters` : describeValue(input[name]);
      return `${name} ${issue.message} (${shown})`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const c = result.data;
  return {
    nodeEnv: c.NODE_ENV,
    host: c.HOST,
    port: c.PORT,
    workerPort: c.WORKER_PORT,
    logLevel: c.LOG_LEVEL,
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    redisUrl: c.REDIS_URL,
    queuePrefix: c.QUEUE_PREFIX,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    readinessTimeoutMs: c.READINESS_TIMEOUT_MS,
    housekeepingEveryMs: c.HOUSEKEEPING_EVERY_MS,
    auditCheckpointEveryMs: c.AUDIT_CHECKPOINT_EVERY_MS,
    // Production never invents a signing key: a key nobody backed up would make the
    // checkpoints unverifiable after the next deployment.
    auditSigningKeyFile:
      c.AUDIT_SIGNING_KEY_FILE || c.NODE_ENV !== 'production'
        ? path.resolve(WORKSPACE_ROOT, c.AUDIT_SIGNING_KEY_FILE ?? '.rampart/audit-signing-key.pem')
        : undefined,
    auditVerifyKeys: c.AUDIT_VERIFY_KEY ? c.AUDIT_VERIFY_KEY.split(',').map((k) => k.trim()) : [],
    // The issuer is compared verbatim with `iss` (some issuers end it with a slash), so it is kept as given.
    oidcIssuerUrl: c.OIDC_ISSUER_URL,
    oidcAudience: c.OIDC_AUDIENCE,
    oidcJwksUri: c.OIDC_JWKS_URI,
    localIssuerKeyFile: path.resolve(WORKSPACE_ROOT, c.LOCAL_ISSUER_KEY_FILE),
    publicUrl: withoutTrailingSlash(c.PUBLIC_URL ?? `http://localhost:${c.PORT}`),
    graphqlMaxDepth: c.GRAPHQL_MAX_DEPTH,
    graphqlMaxCost: c.GRAPHQL_MAX_COST,
    invitationTtlDays: c.INVITATION_TTL_DAYS,
    // One core stays with the event loop that answers every other request.
    evaluationThreads: c.EVALUATION_THREADS ?? Math.max(1, availableParallelism() - 1),
    evaluationQueueSize: c.EVALUATION_QUEUE_SIZE,
    evaluationTimeoutMs: c.EVALUATION_TIMEOUT_MS,
    graphqlMaxRootFields: c.GRAPHQL_MAX_ROOT_FIELDS,
    graphqlMaxAliases: c.GRAPHQL_MAX_ALIASES,
    graphqlRootFieldCost: c.GRAPHQL_ROOT_FIELD_COST,
    graphqlMaxTokens: c.GRAPHQL_MAX_TOKENS,
    rateLimits: {
      windowMs: c.RATE_LIMIT_WINDOW_MS,
      perIp: c.RATE_LIMIT_PER_IP,
      perPrincipal: c.RATE_LIMIT_PER_PRINCIPAL,
      perTenant: c.RATE_LIMIT_PER_TENANT,
      inFlight: c.RATE_LIMIT_IN_FLIGHT,
    },
    metricsToken: c.METRICS_TOKEN,
    quotas: {
      tenantsPerUser: c.QUOTA_TENANTS_PER_USER,
      cloudScopesPerTenant: c.QUOTA_CLOUD_SCOPES_PER_TENANT,
      clustersPerTenant: c.QUOTA_CLUSTERS_PER_TENANT,
      policiesPerTenant: c.QUOTA_POLICIES_PER_TENANT,
    },
  };
}
