// Tasks for the compute pool's own tests, loaded by a worker thread.

export function echo<T>(value: T): T {
  return value;
}

/** Holds its thread until the test stores a non-zero value in the shared cell. */
export function hold(cell: SharedArrayBuffer): string {
  Atomics.wait(new Int32Array(cell), 0, 0);
  return 'released';
}

/** A computation that never ends: only terminating the thread stops it. */
export function forever(): never {
  for (;;) {
    // spin
  }
}

export function fail(message: string): never {
  throw new Error(message);
}

/** The scheduling priority (niceness) of the thread running it, and of the process's main thread, as Linux sees them. */
export function priorities(): { thread: number; main: number } | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require('node:os') as typeof import('node:os');
  if (!fs.existsSync('/proc/thread-self')) return null;
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  return { thread: os.getPriority(tid), main: os.getPriority(process.pid) };
}
