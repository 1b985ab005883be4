import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, MetricsService, ReadinessService, metricsAccess } from '@rampart/platform';

/**
 * The worker's only HTTP surface, for the platform (probes and scrapes): `/healthz`,
 * `/readyz` (PostgreSQL and Redis, like the API's) and `/metrics`. Plain node:http —
 * three fixed GET routes need no framework.
 */
@Injectable()
export class WorkerHttpServer implements BeforeApplicationShutdown, OnApplicationShutdown {
  private server?: Server;
  private stopping = false;

  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts listening; resolves with the port (useful when asked for port 0). */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ status: 'error' }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    // Every answer closes its connection: an idle probe connection must not hold shutdown up.
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { status: 'method not allowed' });
    switch (path) {
      case '/healthz':
        return json(200, { status: 'ok' });
      case '/readyz': {
        // Once shutdown has begun the worker takes no new jobs: not ready, whatever the dependencies say.
        if (this.stopping) return json(503, { status: 'unavailable', failing: ['shutting-down'] });
        const readiness = await this.readiness.check();
        return json(readiness.status === 'ok' ? 200 : 503, readiness);
      }
      case '/metrics': {
        // The same rule as the API's /metrics: in production only a scraper holding METRICS_TOKEN reads them.
        const access = metricsAccess(this.config, req.headers.authorization);
        if (access === 'disabled') return json(404, { status: 'not found' });
        if (access === 'unauthorized') return json(401, { status: 'unauthorized', message: 'A valid metrics bearer token is required' });
        const text = await this.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType, connection: 'close' });
        res.end(text);
        return;
      }
      default:
        return json(404, { status: 'not found' });
    }
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  /** Closes the listener and any connection still open, so the process can exit within its shutdown budget. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
