import path from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  APP_CONFIG,
  type AppConfig,
  AppError,
  ComputeOverloadedError,
  ComputePool,
  ComputePoolClosedError,
  ComputeTimeoutError,
  ErrorCode,
  MetricsService,
} from '@rampart/platform';
import { Counter, Gauge } from 'prom-client';
import type * as Tasks from './enforcement-tasks';

type TaskName = 'evaluateManifest' | 'explainEffectivePolicy' | 'compileClusterBundle';
type Input<K extends TaskName> = Parameters<(typeof Tasks)[K]>[0];
type Output<K extends TaskName> = ReturnType<(typeof Tasks)[K]>;

/**
 * Runs the enforcement views' computations on worker threads, never on the event loop
 * that serves every request. Errors of the pool become the API's: over budget, a dry run
 * is the caller's manifest at fault (BAD_USER_INPUT on `manifest`), a bundle or an
 * explanation the tenant's stored policies (TIME_BUDGET_EXCEEDED); a full queue is OVERLOADED.
 */
@Injectable()
export class EnforcementCompute implements OnApplicationShutdown {
  private readonly pool: ComputePool;
  private readonly refusals: Counter<'task' | 'reason'>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, metrics: MetricsService) {
    const pool = new ComputePool({
      module: path.join(__dirname, 'enforcement-tasks'),
      threads: config.evaluationThreads,
      queueSize: config.evaluationQueueSize,
      timeoutMs: config.evaluationTimeoutMs,
    });
    this.pool = pool;
    new Gauge({
      name: 'rampart_evaluation_tasks',
      help: 'Evaluation tasks running or waiting for a worker thread, at scrape time',
      registers: [metrics.registry],
      collect() {
        this.set(pool.pending);
      },
    });
    this.refusals = new Counter({
      name: 'rampart_evaluation_refusals_total',
      help: 'Evaluation tasks stopped at their time budget (time_budget) or refused with a full queue (overloaded)',
      labelNames: ['task', 'reason'] as const,
      registers: [metrics.registry],
    });
  }

  /** Tasks running or waiting for a thread. */
  get pending(): number {
    return this.pool.pending;
  }

  evaluateManifest(input: Input<'evaluateManifest'>): Promise<Output<'evaluateManifest'>> {
    return this.run('evaluateManifest', input, (ms) =>
      AppError.badInput('manifest', `evaluation exceeded its time budget of ${ms} ms; send fewer or smaller documents`, { timeBudgetMs: ms }),
    );
  }

  explainEffectivePolicy(input: Input<'explainEffectivePolicy'>): Promise<Output<'explainEffectivePolicy'>> {
    return this.run('explainEffectivePolicy', input, (ms) => this.overBudget('explaining the effective policy', ms));
  }

  compileClusterBundle(input: Input<'compileClusterBundle'>): Promise<Output<'compileClusterBundle'>> {
    return this.run('compileClusterBundle', input, (ms) => this.overBudget('compiling the bundle', ms));
  }

  /** After the HTTP server has closed, i.e. once the requests in flight have their answers. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.destroy();
  }

  private async run<K extends TaskName>(name: K, input: Input<K>, overBudget: (ms: number) => AppError): Promise<Output<K>> {
    try {
      return await this.pool.run<Output<K>>(name, input);
    } catch (error) {
      if (error instanceof ComputeTimeoutError) {
        this.refusals.inc({ task: name, reason: 'time_budget' });
        throw overBudget(error.timeoutMs);
      }
      if (error instanceof ComputeOverloadedError || error instanceof ComputePoolClosedError) {
        this.refusals.inc({ task: name, reason: 'overloaded' });
        throw new AppError(ErrorCode.OVERLOADED, 'Every evaluation worker is busy; retry in a few seconds');
      }
      throw error;
    }
  }

  private overBudget(what: string, ms: number): AppError {
    return new AppError(
      ErrorCode.TIME_BUDGET_EXCEEDED,
      `${what} exceeded its time budget of ${ms} ms; the tenant's policies are too large to compute on demand`,
      undefined,
      { timeBudgetMs: ms },
    );
  }
}
