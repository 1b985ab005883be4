// What Rampart's request path costs on top of the GraphQL server it is built on: an
// authenticated `{ apiInfo { name version serverTime } }` through the real API (bearer
// token, logging, metrics, authorization all on) against a bare Fastify + Mercurius (JIT)
// server answering the same query, both as separate processes, measured interleaved in
// the same run with autocannon at 20 connections. Goal: Rampart ≥ 60 % of the bare req/s.
//
//   npm run bench -- graphql [seconds per round, default 5] [rounds, default 3]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { startLiveApi } from './live-api';
import { round } from './stats';

const GOAL_RATIO = 0.6;
const CONNECTIONS = 20;
const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const QUERY = JSON.stringify({ query: '{ apiInfo { name version serverTime } }' });

interface Round {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, headers: Record<string, string>): Promise<Round> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', ...headers },
    body: QUERY,
  });
  return {
    requestsPerSecond: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  // Rate limits would turn a throughput benchmark into a 429 benchmark: lifted for this process only.
  const api = await startLiveApi({
    database: 'rampart_bench_graphql',
    port: 3991,
    env: { RATE_LIMIT_PER_IP: '10000000', RATE_LIMIT_PER_PRINCIPAL: '10000000', RATE_LIMIT_PER_TENANT: '10000000', RATE_LIMIT_IN_FLIGHT: '1000', LOG_LEVEL: 'info' },
  });
  const barePort = 3992;
  const bare = spawn(process.execPath, ['--require', '@swc-node/register', path.join(__dirname, 'bare-graphql-server.ts'), String(barePort)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await once(bare.stdout!, 'data');
    const token = await api.signIn(`bench-${randomBytes(3).toString('hex')}`);
    // Warm both (JIT compilation of the query, connection pools, the user row).
    await load(`${api.base}/graphql`, { authorization: `Bearer ${token}` });
    await load(`http://127.0.0.1:${barePort}/graphql`, {});

    const rampart: Round[] = [];
    const baseline: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate who goes first so drift on the machine colours both alike.
      const order = i % 2 === 0 ? ['bare', 'rampart'] : ['rampart', 'bare'];
      for (const who of order) {
        if (who === 'bare') baseline.push(await load(`http://127.0.0.1:${barePort}/graphql`, {}));
        else rampart.push(await load(`${api.base}/graphql`, { authorization: `Bearer ${token}` }));
      }
    }
    const summary = (rounds: Round[]) => ({
      requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
      p50Ms: median(rounds.map((r) => r.p50Ms)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
      errors: rounds.reduce((a, r) => a + r.errors, 0),
      rounds,
    });
    const r = summary(rampart);
    const b = summary(baseline);
    const ratio = round(r.requestsPerSecond / b.requestsPerSecond, 3);
    console.log(
      JSON.stringify(
        {
          benchmark: 'graphql',
          workload: `authenticated { apiInfo { name version serverTime } }, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s`,
          node: process.version,
          rampart: r,
          bareFastifyMercurius: b,
          ratio,
          goal: { ratio: GOAL_RATIO },
          goalMet: ratio >= GOAL_RATIO && r.non2xx === 0 && r.errors === 0,
        },
        null,
        2,
      ),
    );
  } finally {
    bare.kill('SIGTERM');
    await api.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
