// The baseline of `npm run bench -- graphql`: Fastify + Mercurius with graphql-jit and
// nothing else (no Nest, no authentication, no logging, no metrics), answering the
// same `apiInfo` query Rampart answers. Listens on the port given as the first argument.
import Fastify from 'fastify';
import mercurius from 'mercurius';

const schema = `
  type ApiInfo { name: String! version: String! serverTime: String! }
  type Query { apiInfo: ApiInfo! }
`;
const resolvers = {
  Query: { apiInfo: () => ({ name: 'Rampart', version: '0.1.0', serverTime: new Date().toISOString() }) },
};

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  await app.register(mercurius, { schema, resolvers, jit: 1 });
  await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
