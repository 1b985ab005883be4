import { byKeys, loaderFor } from './request-loader';

describe('loaderFor', () => {
  const squares = () => {
    const calls: number[][] = [];
    const batch = async (keys: readonly number[]) => {
      calls.push([...keys]);
      return keys.map((k) => k * k);
    };
    return { calls, batch };
  };

  it('batches every load of one tick into one call, in key order', async () => {
    const req = {};
    const { calls, batch } = squares();
    const results = await Promise.all([1, 2, 3, 4].map((n) => loaderFor(req, 'square', batch).load(n)));
    expect(results).toEqual([1, 4, 9, 16]);
    expect(calls).toEqual([[1, 2, 3, 4]]);
  });

  it('keeps one loader per request and key, caching within the request', async () => {
    const req = {};
    const { calls, batch } = squares();
    expect(loaderFor(req, 'square', batch)).toBe(loaderFor(req, 'square', batch));
    await loaderFor(req, 'square', batch).load(3);
    await loaderFor(req, 'square', batch).load(3);
    expect(calls).toEqual([[3]]);
    expect(loaderFor(req, 'other', batch)).not.toBe(loaderFor(req, 'square', batch));
  });

  it('never shares a loader (or its cache) between requests', async () => {
    const { calls, batch } = squares();
    const first = {};
    const second = {};
    expect(loaderFor(first, 'square', batch)).not.toBe(loaderFor(second, 'square', batch));
    await Promise.all([loaderFor(first, 'square', batch).load(5), loaderFor(second, 'square', batch).load(5)]);
    expect(calls).toEqual([[5], [5]]);
  });

  it('passes DataLoader options through', async () => {
    const req = {};
    const { calls, batch } = squares();
    const loader = loaderFor(req, 'square', batch, { maxBatchSize: 2 });
    await Promise.all([1, 2, 3].map((n) => loader.load(n)));
    expect(calls).toEqual([[1, 2], [3]]);
  });
});

describe('byKeys', () => {
  it('orders rows by the keys and fills the missing ones', () => {
    const rows = [
      { id: 'b', v: 2 },
      { id: 'a', v: 1 },
    ];
    expect(byKeys(['a', 'c', 'b'], rows, (r) => r.id, () => null)).toEqual([rows[1], null, rows[0]]);
  });
});
