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
