import { randomBytes } from 'node:crypto';
import { type PublicKeyEntry, SigningKeyNotFoundError, SigningKeyStore, type SigningKeyStoreOptions } from './signing-keys';

/** A JWKS endpoint in memory: the key set it serves and how often it was asked. */
function issuer(initial: PublicKeyEntry[]) {
  const state = { keys: initial, fetches: 0, fail: false };
  const fetchKeys = async (): Promise<PublicKeyEntry[]> => {
    state.fetches += 1;
    if (state.fail) throw Object.assign(new Error('JWKS endpoint unreachable'), { name: 'JwksError' });
    return state.keys;
  };
  return { state, fetchKeys };
}

const OPTIONS: SigningKeyStoreOptions = { maxAgeMs: 600_000, minRefreshIntervalMs: 0, missRetryMs: 60_000, maxRememberedMisses: 100 };
const randomKid = () => randomBytes(8).toString('hex');

describe('SigningKeyStore (JWKS refetch limited per kid)', () => {
  it('a flood of distinct unknown kids shares one fetch, and a genuinely rotated key is accepted at once afterwards', async () => {
    const { state, fetchKeys } = issuer([{ kid: 'k1', pem: 'PEM-1' }]);
    const store = new SigningKeyStore(fetchKeys, OPTIONS);
    await expect(store.keyFor('k1')).resolves.toBe('PEM-1');
    expect(state.fetches).toBe(1);

    const flood = await Promise.allSettled(Array.from({ length: 200 }, () => store.keyFor(randomKid())));
    expect(flood.every((r) => r.status === 'rejected' && r.reason instanceof SigningKeyNotFoundError)).toBe(true);
    // 200 unknown kids at once: one fetch (jwks-rsa's global limiter would have spent its whole budget).
    expect(state.fetches).toBe(2);

    state.keys = [{ kid: 'k1', pem: 'PEM-1' }, { kid: 'k2', pem: 'PEM-2' }];
    await expect(store.keyFor('k2')).resolves.toBe('PEM-2');
    expect(state.fetches).toBe(3);
    // Known keys cost nothing.
    await expect(store.keyFor('k2')).resolves.toBe('PEM-2');
    await expect(store.keyFor('k1')).resolves.toBe('PEM-1');
    expect(state.fetches).toBe(3);
  });

  it('many sequential unknown kids never exhaust anything: each new kid gets its own fetch', async () => {
    const { state, fetchKeys } = issuer([{ kid: 'k1', pem: 'PEM-1' }]);
    const store = new SigningKeyStore(fetchKeys, OPTIONS);
    for (let i = 0; i < 30; i += 1) await expect(store.keyFor(randomKid())).rejects.toBeInstanceOf(SigningKeyNotFoundError);
    expect(state.fetches).toBe(31);
    state.keys = [{ kid: 'rotated', pem: 'PEM-R' }];
    await expect(store.keyFor('rotated')).resolves.toBe('PEM-R');
  });

  it('repeating one unknown kid costs one fetch until missRetryMs has passed', async () => {
    let now = 1_000_000;
    const { state, fetchKeys } = issuer([{ kid: 'k1', pem: 'PEM-1' }]);
    const store = new SigningKeyStore(fetchKeys, OPTIONS, () => now);
    for (let i = 0; i < 10; i += 1) await expect(store.keyFor('bad')).rejects.toBeInstanceOf(SigningKeyNotFoundError);
    expect(state.fetches).toBe(2);
    now += 60_001;
    await expect(store.keyFor('bad')).rejects.toBeInstanceOf(SigningKeyNotFoundError);
    expect(state.fetches).toBe(3);
  });

  it('a kid remembered as missing is still found once another fetch brought it', async () => {
    const { state, fetchKeys } = issuer([{ kid: 'k1', pem: 'PEM-1' }]);
    const store = new SigningKeyStore(fetchKeys, OPTIONS);
    await expect(store.keyFor('early')).rejects.toBeInstanceOf(SigningKeyNotFoundError);
    state.keys = [{ kid: 'early', pem: 'PEM-E' }];
    // Another unknown kid triggers a fetch, which brings `early` too.
    await expect(store.keyFor('other')).rejects.toBeInstanceOf(SigningKeyNotFoundError);
    await expect(store.keyFor('early')).resolves.toBe('PEM-E');
  });

  it('forgets the oldest misses beyond maxRememberedMisses', async () => {
    const { state, fetchKeys } = issuer([{ kid: 'k1', pem: 'PEM-1' }]);
    const store = new SigningKeyStore(fetchKeys, { ...OPTIONS, maxRememberedMisses: 2 });
    for (const kid of ['a', 'b', 'c']) await expect(store.keyFor(kid)).rejects.toThrow();
    expect(state.fetches).toBe(4);
    await expect(store.keyFor('c')).rejects.toThrow();
    expect(state.fetches).toBe(4);
    await expect(store.keyFor('a')).rejects.toThrow();
    expect(state.fetches).toBe(5);
  });

  it('re-reads the key set after maxAgeMs, so a withdrawn key stops working', async () => {
    let now = 1_000_000;
    const { state, fetchKeys } = issuer([{ kid: 'old', pem: 'PEM-O' }]);
    const store = new SigningKeyStore(fetchKeys, OPTIONS, () => now);
    await expect(store.keyFor('old')).resolves.toBe('PEM-O');
    state.keys = [{ kid: 'new', pem: 'PEM-N' }];
    now += 599_000;
    await expect(store.keyFor('old')).resolves.toBe('PEM-O');
    now += 2_000;
    await expect(store.keyFor('old')).rejects.toBeInstanceOf(SigningKeyNotFoundError);
    await expect(store.keyFor('new')).resolves.toBe('PEM-N');
  });

  it('a token without kid uses the only key, and is refused when there are several', async () => {
    const { state, fetchKeys } = issuer([{ kid: 'k1', pem: 'PEM-1' }]);
    const store = new SigningKeyStore(fetchKeys, OPTIONS);
    await expect(store.keyFor(undefined)).resolves.toBe('PEM-1');
    state.keys = [{ kid: 'k1', pem: 'PEM-1' }, { kid: 'k2', pem: 'PEM-2' }];
    await expect(store.keyFor('k2')).resolves.toBe('PEM-2');
    const fetches = state.fetches;
    await expect(store.keyFor(undefined)).rejects.toBeInstanceOf(SigningKeyNotFoundError);
    expect(state.fetches).toBe(fetches);
  });

  it('an unreachable issuer fails the lookup with its error, and the next lookup tries again', async () => {
    const { state, fetchKeys } = issuer([{ kid: 'k1', pem: 'PEM-1' }]);
    const store = new SigningKeyStore(fetchKeys, OPTIONS);
    state.fail = true;
    await expect(store.keyFor('k1')).rejects.toMatchObject({ name: 'JwksError' });
    state.fail = false;
    await expect(store.keyFor('k1')).resolves.toBe('PEM-1');
  });
});
