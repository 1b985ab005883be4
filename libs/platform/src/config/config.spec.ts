import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has working local defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      logLevel: 'info',
      databaseUrl: 'postgresql://rampart_app:rampart_app@127.0.0.1:5432/rampart',
      redisUrl: 'redis://127.0.0.1:6379/0',
    });
  });

  it('reads and converts values', () => {
    const config = loadConfig({ PORT: '8080', LOG_LEVEL: 'debug', DATABASE_POOL_SIZE: '25', NODE_ENV: 'production' });
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('debug');
    expect(config.databasePoolSize).toBe(25);
    expect(config.nodeEnv).toBe('production');
  });

  it.each([
    ['PORT', 'abc', /^Invalid configuration: PORT must be a whole number between 1 and 65535 \(got "abc"\)$/],
    ['PORT', '70000', /PORT must be a whole number between 1 and 65535 \(got "70000"\)/],
    ['PORT', '-1', /PORT must be a whole number/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL must be a URL starting with postgresql:\/\/ or postgres:\/\//],
    ['REDIS_URL', 'not a url', /REDIS_URL must be a URL starting with redis:\/\/ or rediss:\/\//],
    ['NODE_ENV', 'staging', /NODE_ENV must be development, test or production/],
    ['QUEUE_PREFIX', 'a b', /QUEUE_PREFIX may contain only/],
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

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT .*; LOG_LEVEL /);
  });

  it('never echoes credentials of a bad URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:secret@db/x' })).toThrow(/got "mysql:\/\/\*\*\*@db\/x"/);
  });
});
