// Shared measurement helpers: wall-clock samples with process.hrtime.bigint.

export function percentile(sortedMicros: Float64Array, p: number): number {
  return sortedMicros[Math.min(sortedMicros.length - 1, Math.floor(sortedMicros.length * p))];
}

/** Runs `fn` `warmup` times, then times `iterations` calls one by one (µs, sorted). */
export function sample(fn: () => unknown, warmup: number, iterations: number): Float64Array {
  for (let i = 0; i < warmup; i++) fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return samples.sort();
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
