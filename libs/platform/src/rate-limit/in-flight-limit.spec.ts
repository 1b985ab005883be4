import { SpentBudgets } from './in-flight-limit';

describe('SpentBudgets', () => {
  const T0 = 1_000_000;

  it('refuses a spent token until its budget refills, then forgets it', () => {
    const spent = new SpentBudgets();
    spent.markSpent('Bearer a', 30, T0);
    expect(spent.retryAfter('Bearer a', T0)).toBe(30);
    expect(spent.retryAfter('Bearer a', T0 + 29_001)).toBe(1);
    expect(spent.retryAfter('Bearer a', T0 + 30_000)).toBe(0);
    expect(spent.retryAfter('Bearer b', T0)).toBe(0);
    // No token, nothing remembered (the IP budget covers anonymous callers).
    spent.markSpent(undefined, 30, T0);
    expect(spent.retryAfter(undefined, T0)).toBe(0);
  });

  it('remembers at most 10,000 tokens, dropping those that refill first', () => {
    const spent = new SpentBudgets();
    for (let i = 0; i < 10_001; i++) spent.markSpent(`Bearer t${i}`, 60, T0 + i);
    expect(spent.retryAfter('Bearer t0', T0 + 10_001)).toBe(0);
    expect(spent.retryAfter('Bearer t1', T0 + 10_001)).toBe(50);
    expect(spent.retryAfter('Bearer t10000', T0 + 10_001)).toBe(60);
  });
});
