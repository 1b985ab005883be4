import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, localIssuerEnabled } from './config';

describe('loadConfig', () => {
  it('has working local defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      workerPort: 3001,
      logLevel: 'info',
      databaseUrl: 'postgresql://rampart_app:rampart_app@127.0.0.1:5432/rampart',
      redisUrl: 'redis://127.0.0.1:6379/0',
      graphqlMaxDepth: 10,
      graphqlMaxCost: 25000,
    });
  });

  it('reads the GraphQL limits', () => {
    const config = loadConfig({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_COST: '1200' });
    expect(config.graphqlMaxDepth).toBe(6);
    expect(config.graphqlMaxCost).toBe(1200);
  });

  it('reads the invitation lifetime (default 14 days) and names a bad one', () => {
    expect(loadConfig({}).invitationTtlDays).toBe(14);
    expect(loadConfig({ INVITATION_TTL_DAYS: '3' }).invitationTtlDays).toBe(3);
    expect(() => loadConfig({ INVITATION_TTL_DAYS: '0' })).toThrow(/^Invalid configuration: INVITATION_TTL_DAYS must be a whole number between 1 and 365 \(got "0"\)$/);
  });

  it('reads the evaluation pool settings, defaulting to one thread less than the cores (at least one)', () => {
    const defaults = loadConfig({});
    expect(defaults.evaluationThreads).toBe(Math.max(1, os.availableParallelism() - 1));
    expect(defaults).toMatchObject({ evaluationQueueSize: 32, evaluationTimeoutMs: 2000 });
    const set = loadConfig({ EVALUATION_THREADS: '3', EVALUATION_QUEUE_SIZE: '0', EVALUATION_TIMEOUT_MS: '50' });
    expect(set).toMatchObject({ evaluationThreads: 3, evaluationQueueSize: 0, evaluationTimeoutMs: 50 });
  });

  it('has defaults for the abuse limits, and reads them', () => {
    expect(loadConfig({})).toMatchObject({
      graphqlMaxRootFields: 20,
      graphqlMaxAliases: 100,
      graphqlRootFieldCost: 100,
      graphqlMaxTokens: 20000,
      rateLimits: { windowMs: 60000, perIp: 1200, perPrincipal: 600, perTenant: 1200, inFlight: 8 },
      quotas: { tenantsPerUser: 25, cloudScopesPerTenant: 500, clustersPerTenant: 5000, policiesPerTenant: 200 },
      metricsToken: undefined,
    });
    const config = loadConfig({
      GRAPHQL_MAX_ROOT_FIELDS: '5',
      GRAPHQL_MAX_ALIASES: '0',
      GRAPHQL_ROOT_FIELD_COST: '0',
      GRAPHQL_MAX_TOKENS: '5000',
      RATE_LIMIT_WINDOW_MS: '1000',
      RATE_LIMIT_PER_IP: '7',
      RATE_LIMIT_PER_PRINCIPAL: '8',
      RATE_LIMIT_PER_TENANT: '9',
      QUOTA_TENANTS_PER_USER: '1',
      QUOTA_CLOUD_SCOPES_PER_TENANT: '2',
      QUOTA_CLUSTERS_PER_TENANT: '3',
      QUOTA_POLICIES_PER_TENANT: '4',
      METRICS_TOKEN: 'm'.repeat(32),
    });
    expect(config).toMatchObject({
      graphqlMaxRootFields: 5,
      graphqlMaxAliases: 0,
      graphqlRootFieldCost: 0,
      graphqlMaxTokens: 5000,
      rateLimits: { windowMs: 1000, perIp: 7, perPrincipal: 8, perTenant: 9 },
      quotas: { tenantsPerUser: 1, cloudScopesPerTenant: 2, clustersPerTenant: 3, policiesPerTenant: 4 },
      metricsToken: 'm'.repeat(32),
    });
  });

  it.each([
    ['GRAPHQL_MAX_ROOT_FIELDS', '0', /GRAPHQL_MAX_ROOT_FIELDS must be a whole number between 1 and 1000 \(got "0"\)/],
    ['RATE_LIMIT_PER_PRINCIPAL', 'many', /RATE_LIMIT_PER_PRINCIPAL must be a whole number between 1 and 10000000 \(got "many"\)/],
    ['RATE_LIMIT_WINDOW_MS', '10', /RATE_LIMIT_WINDOW_MS must be a whole number between 1000 and 86400000/],
    ['QUOTA_POLICIES_PER_TENANT', '-1', /QUOTA_POLICIES_PER_TENANT must be a whole number/],
  ])('names a bad abuse limit: %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('refuses a short METRICS_TOKEN without echoing it', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'hunter2' })).toThrow(
      /^Invalid configuration: METRICS_TOKEN must be at least 32 characters \(got 7 characters\)$/,
    );
    expect(() => loadConfig({ METRICS_TOKEN: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('reads and converts values', () => {
    const config = loadConfig({
      PORT: '8080',
      LOG_LEVEL: 'debug',
      DATABASE_POOL_SIZE: '25',
      NODE_ENV: 'production',
      OIDC_ISSUER_URL: 'https://login.example.com/',
    });
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('debug');
    expect(config.databasePoolSize).toBe(25);
    expect(config.nodeEnv).toBe('production');
  });

  it.each([
    ['PORT', 'abc', /^Invalid configuration: PORT must be a whole number between 1 and 65535 \(got "abc"\)$/],
    ['PORT', '70000', /PORT must be a whole number between 1 and 65535 \(got "70000"\)/],
    ['PORT', '-1', /PORT must be a whole number/],
    ['WORKER_PORT', '0', /^Invalid configuration: WORKER_PORT must be a whole number between 1 and 65535 \(got "0"\)$/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL must be a URL starting with postgresql:\/\/ or postgres:\/\//],
    ['REDIS_URL', 'not a url', /REDIS_URL must be a URL starting with redis:\/\/ or rediss:\/\//],
    ['NODE_ENV', 'staging', /NODE_ENV must be development, test or production/],
    ['QUEUE_PREFIX', 'a b', /QUEUE_PREFIX may contain only/],
    ['OIDC_ISSUER_URL', 'login.example.com', /OIDC_ISSUER_URL must be a URL starting with https:\/\/ or http:\/\//],
    ['OIDC_JWKS_URI', 'ftp://x/keys', /OIDC_JWKS_URI must be a URL starting with https:\/\/ or http:\/\//],
    ['OIDC_AUDIENCE', '   ', /OIDC_AUDIENCE must not be empty/],
    ['PUBLIC_URL', 'localhost:3000', /PUBLIC_URL must be a URL/],
    ['GRAPHQL_MAX_DEPTH', '0', /GRAPHQL_MAX_DEPTH must be a whole number between 1 and 100 \(got "0"\)/],
    ['GRAPHQL_MAX_DEPTH', 'deep', /GRAPHQL_MAX_DEPTH must be a whole number between 1 and 100/],
    ['EVALUATION_THREADS', '0', /EVALUATION_THREADS must be a whole number between 1 and 256 \(got "0"\)/],
    ['EVALUATION_QUEUE_SIZE', 'many', /EVALUATION_QUEUE_SIZE must be a whole number between 0 and 100000/],
    ['EVALUATION_TIMEOUT_MS', '0', /EVALUATION_TIMEOUT_MS must be a whole number between 1 and 600000/],
    ['GRAPHQL_MAX_COST', '0', /GRAPHQL_MAX_COST must be a whole number between 1 and 10000000 \(got "0"\)/],
  ])('rejects %s=%s with one clear line', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  describe('authentication', () => {
    it('defaults to the local issuer outside production', () => {
      const config = loadConfig({ PORT: '4000' });
      expect(config.oidcIssuerUrl).toBeUndefined();
      expect(config.oidcAudience).toBe('rampart');
      expect(config.oidcJwksUri).toBeUndefined();
      expect(config.publicUrl).toBe('http://localhost:4000');
      expect(path.isAbsolute(config.localIssuerKeyFile)).toBe(true);
      expect(config.localIssuerKeyFile).toBe(path.resolve(__dirname, '../../../..', '.rampart/local-issuer-key.json'));
      expect(localIssuerEnabled(config)).toBe(true);
    });

    it('reads the issuer settings verbatim and trims the public URL', () => {
      const config = loadConfig({
        OIDC_ISSUER_URL: 'https://tenant.auth.example.com/',
        OIDC_AUDIENCE: 'https://api.rampart.example',
        OIDC_JWKS_URI: 'https://tenant.auth.example.com/keys',
        LOCAL_ISSUER_KEY_FILE: '/tmp/key.json',
        PUBLIC_URL: 'https://rampart.example.com/',
      });
      // `iss` is compared verbatim, so the issuer keeps its trailing slash.
      expect(config.oidcIssuerUrl).toBe('https://tenant.auth.example.com/');
      expect(config.oidcAudience).toBe('https://api.rampart.example');
      expect(config.oidcJwksUri).toBe('https://tenant.auth.example.com/keys');
      expect(config.localIssuerKeyFile).toBe('/tmp/key.json');
      expect(config.publicUrl).toBe('https://rampart.example.com');
      expect(localIssuerEnabled(config)).toBe(false);
    });

    it('refuses production without an issuer, naming OIDC_ISSUER_URL', () => {
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
        /^Invalid configuration: OIDC_ISSUER_URL must be set when NODE_ENV is production \(not set\)$/,
      );
      expect(() => loadConfig({ NODE_ENV: 'production', OIDC_ISSUER_URL: '' })).toThrow(ConfigError);
    });

    it('never enables the local issuer in production', () => {
      const config = loadConfig({ NODE_ENV: 'production', OIDC_ISSUER_URL: 'https://login.example.com' });
      expect(localIssuerEnabled(config)).toBe(false);
    });
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT .*; LOG_LEVEL /);
  });

  it('never echoes credentials of a bad URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:secret@db/x' })).toThrow(/got "mysql:\/\/\*\*\*@db\/x"/);
  });
});
