// A bounded pool of worker threads for CPU-heavy work a request asks for (parsing and
// evaluating manifests, compiling bundles), so that no single request can stall the
// event loop every other request shares.
//
// Three bounds: a number of threads; a number of tasks that may wait for one (beyond
// that a task is refused at once, never queued forever); and a time budget per task,
// counted from the moment a thread starts it. A task over budget is aborted, which
// terminates its thread (Piscina replaces it), so even a runaway loop stops.

import { MessageChannel } from 'node:worker_threads';
import path from 'node:path';
import { Piscina } from 'piscina';

export interface ComputePoolOptions {
  /** The task module, without extension (`.js` when compiled, else `.ts`); its named exports are the tasks. */
  module: string;
  /** Worker threads. */
  threads: number;
  /** Tasks that may wait for a thread; more are refused with ComputeOverloadedError. */
  queueSize: number;
  /** Running time allowed per task, in milliseconds. */
  timeoutMs: number;
}

/** A task ran longer than its time budget and was stopped. */
export class ComputeTimeoutError extends Error {
  constructor(
    readonly task: string,
    readonly timeoutMs: number,
  ) {
    super(`${task} exceeded its time budget of ${timeoutMs} ms`);
    this.name = 'ComputeTimeoutError';
  }
}

/** Every thread is busy and the queue is full. */
export class ComputeOverloadedError extends Error {
  constructor(readonly queueSize: number) {
    super(`every compute thread is busy and ${queueSize} tasks are already waiting`);
    this.name = 'ComputeOverloadedError';
  }
}

/** The pool is shutting down (or was destroyed) and accepts no more work. */
export class ComputePoolClosedError extends Error {
  constructor() {
    super('the compute pool is shut down');
    this.name = 'ComputePoolClosedError';
  }
}

export interface ComputeResult<R> {
  value: R;
  /** The worker thread that ran the task (never the main thread's 0). */
  threadId: number;
}

const WORKER_ENTRY = path.join(__dirname, 'compute.worker.js');

export class ComputePool {
  private piscina: Piscina | undefined;
  private admitted = 0;
  private closed = false;

  constructor(readonly options: ComputePoolOptions) {}

  /** Tasks running or waiting. */
  get pending(): number {
    return this.admitted;
  }

  /** Runs the named task of the module on a worker thread; `input` must be structured-cloneable. */
  async run<R>(name: string, input: unknown, timeoutMs = this.options.timeoutMs): Promise<R> {
    return (await this.runWithThread<R>(name, input, timeoutMs)).value;
  }

  /** As run, also telling which thread ran it. */
  async runWithThread<R>(name: string, input: unknown, timeoutMs = this.options.timeoutMs): Promise<ComputeResult<R>> {
    if (this.closed) throw new ComputePoolClosedError();
    // Counted here rather than with Piscina's maxQueue: tasks carrying an AbortSignal
    // bypass that limit, and "threads + queue" is the bound operators configure.
    if (this.admitted >= this.options.threads + this.options.queueSize) throw new ComputeOverloadedError(this.options.queueSize);
    this.admitted++;
    const pool = this.pool();
    const abort = new AbortController();
    const { port1, port2 } = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let settled = false;
    port1.once('message', () => {
      if (settled) return;
      timer = setTimeout(() => {
        timedOut = true;
        abort.abort(new ComputeTimeoutError(name, timeoutMs));
      }, timeoutMs);
    });
    try {
      return (await pool.run({ name, input, started: port2 }, { transferList: [port2], signal: abort.signal })) as ComputeResult<R>;
    } catch (error) {
      if (timedOut) throw new ComputeTimeoutError(name, timeoutMs);
      if (this.closed) throw new ComputePoolClosedError();
      throw error;
    } finally {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      port1.close();
      this.admitted--;
    }
  }

  /** Refuses new tasks, stops the threads and fails tasks still queued. Call after in-flight requests finished. */
  async destroy(): Promise<void> {
    this.closed = true;
    const pool = this.piscina;
    this.piscina = undefined;
    if (pool !== undefined) await pool.destroy();
  }

  // Threads start on first use, so a process (or test) that never computes spawns none;
  // after that they stay warm, because a new thread pays for loading the task module.
  private pool(): Piscina {
    if (this.piscina === undefined) {
      const { threads, queueSize, module } = this.options;
      this.piscina = new Piscina({
        filename: WORKER_ENTRY,
        workerData: { module },
        minThreads: threads,
        maxThreads: threads,
        // Our own count above is the real bound; this only keeps Piscina from refusing first.
        maxQueue: Math.max(1, queueSize + threads),
      });
    }
    return this.piscina;
  }
}
