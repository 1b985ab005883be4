import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

// There is no Docker engine where the tests run, so the container files are checked by
// reading them: what they promise (README, security) and what they run (npm run build's output).

const ROOT = path.resolve(__dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  build?: { context: string; target: string };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
}

describe('docker-compose.yml', () => {
  const compose = YAML.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const { services } = compose;

  it('publishes every port on 127.0.0.1 only (the development token issuer must not be reachable from elsewhere)', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p]));
    expect(published).toEqual([
      ['postgres', '127.0.0.1:5432:5432'],
      ['redis', '127.0.0.1:6379:6379'],
      ['api', '127.0.0.1:3000:3000'],
      ['worker', '127.0.0.1:3001:3001'],
    ]);
  });

  it('lets the README’s DATABASE_ADMIN_URL in: a postgres superuser without a password', () => {
    expect(read('README.md')).toContain('`postgresql://postgres@127.0.0.1:5432/postgres`');
    expect(services.postgres.environment).toMatchObject({ POSTGRES_USER: 'postgres', POSTGRES_HOST_AUTH_METHOD: 'trust' });
    expect(services.postgres.environment?.POSTGRES_PASSWORD).toBeUndefined();
    expect(services.migrate.environment?.DATABASE_ADMIN_URL).toBe('postgresql://postgres@postgres:5432/postgres');
  });

  it('keeps the local issuer’s key on a volume', () => {
    expect(services.api.environment?.LOCAL_ISSUER_KEY_FILE).toBe('/app/.rampart/local-issuer-key.json');
    expect(services.api.volumes).toEqual(['issuerkey:/app/.rampart']);
    expect(Object.keys(compose.volumes)).toContain('issuerkey');
  });

  it('health-checks the API on /readyz and the worker on its /healthz (WORKER_PORT)', () => {
    expect(services.api.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:3000/readyz');
    expect(services.worker.environment?.WORKER_PORT).toBe('3001');
    expect(services.worker.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:3001/healthz');
  });

  it('runs the compiled entries of the runtime stage, and migrations from the build stage (which has the Prisma CLI)', () => {
    expect(services.api).toMatchObject({ build: { target: 'runtime' }, command: ['node', '--enable-source-maps', 'dist/apps/api/src/main.js'] });
    expect(services.worker).toMatchObject({ build: { target: 'runtime' }, command: ['node', '--enable-source-maps', 'dist/apps/worker/src/main.js'] });
    expect(services.migrate).toMatchObject({ build: { target: 'build' }, command: ['node', 'scripts/prepare.mjs'] });
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stage = (name: string) => dockerfile.slice(dockerfile.indexOf(`AS ${name}`)).split(/\nFROM /)[0];

  it('builds with npm run build, the build script of package.json', () => {
    expect(stage('build')).toContain('RUN npm run build');
    expect(JSON.parse(read('package.json')).scripts.build).toBe('node scripts/build.mjs');
  });

  it('runs production dependencies only, the compiled JavaScript and the migrations, as a non-root user', () => {
    const runtime = stage('runtime');
    expect(runtime).toContain('npm ci --omit=dev');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toContain('COPY prisma ./prisma');
    expect(runtime).toMatch(/\nUSER node\n/);
    expect(runtime).toContain('CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]');
    expect(runtime).not.toContain('@swc-node/register');
  });
});
