import { TestApi, useTestEnvironment } from '@rampart/testing';

// /metrics with NODE_ENV=production (set up as in graphql-production.e2e.spec.ts):
// only a scraper with METRICS_TOKEN reads it; without a configured token it is closed.
// The open development/test behaviour is asserted in health.e2e.spec.ts.

const TOKEN = 'scrape-0123456789abcdef0123456789abcdef';

describe('/metrics in production (e2e)', () => {
  useTestEnvironment();
  const saved = { NODE_ENV: process.env.NODE_ENV, OIDC_ISSUER_URL: process.env.OIDC_ISSUER_URL, METRICS_TOKEN: process.env.METRICS_TOKEN };
  let createApp: typeof import('../src/create-app').createApp;

  beforeAll(async () => {
    process.env.NODE_ENV = 'production';
    // Required in production; never contacted (no request here carries a user token).
    process.env.OIDC_ISSUER_URL = 'https://issuer.invalid';
    // AuthModule.forRoot() reads the environment when AppModule is defined, so the app is imported only now.
    ({ createApp } = await import('../src/create-app'));
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  describe('with METRICS_TOKEN', () => {
    let api: TestApi;
    beforeAll(async () => {
      process.env.METRICS_TOKEN = TOKEN;
      api = await TestApi.start(createApp);
      delete process.env.METRICS_TOKEN;
    });
    afterAll(() => api?.close());

    it.each([
      ['no token', undefined],
      ['a wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
      ['the token without the Bearer scheme', TOKEN],
      ['a longer token with the right prefix', `Bearer ${TOKEN}0`],
    ])('refuses %s with 401 and no metrics', async (_, authorization) => {
      const req = api.http().get('/metrics');
      if (authorization) req.set('authorization', authorization);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.text).not.toContain('rampart_http_request_duration_seconds');
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'A valid metrics bearer token is required' });
    });

    it('serves the metrics to the bearer of METRICS_TOKEN', async () => {
      const res = await api.http().get('/metrics').set('authorization', `Bearer ${TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toContain('rampart_http_request_duration_seconds');
    });

    it('keeps the probes open', async () => {
      expect((await api.http().get('/healthz')).status).toBe(200);
    });
  });

  describe('without METRICS_TOKEN', () => {
    let api: TestApi;
    beforeAll(async () => {
      delete process.env.METRICS_TOKEN;
      api = await TestApi.start(createApp);
    });
    afterAll(() => api?.close());

    it('is closed: 404, with or without an Authorization header', async () => {
      for (const authorization of [undefined, `Bearer ${TOKEN}`]) {
        const req = api.http().get('/metrics');
        if (authorization) req.set('authorization', authorization);
        const res = await req;
        expect(res.status).toBe(404);
        expect(res.text).not.toContain('rampart_');
      }
    });
  });
});
