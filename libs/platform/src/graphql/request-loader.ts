import DataLoader from 'dataloader';

// Loaders live exactly as long as their request: the WeakMap lets a finished
// request (and every value its loaders cached) be garbage-collected, and no
// request can ever be answered from another request's cache — which, with
// per-tenant row-level security, could be another caller's data.
const registry = new WeakMap<object, Map<string, DataLoader<unknown, unknown, unknown>>>();

/**
 * The DataLoader named `key` for this request, made with `batch` on first use.
 * Loads issued in the same tick (e.g. by the resolvers of one list's items)
 * reach `batch` as one call.
 *
 * `req` is the request object of the GraphQL context (`ctx.req`). `key` must
 * name everything `batch` depends on besides the keys — in particular the
 * tenant, when `batch` runs in a tenant transaction: `loaderFor(req,
 * \`cluster:${tenantId}\`, …)`. The batch function of the first call wins, so
 * one key must always be used with the same batch function.
 */
export function loaderFor<K, V, C = K>(
  req: object,
  key: string,
  batch: DataLoader.BatchLoadFn<K, V>,
  options?: DataLoader.Options<K, V, C>,
): DataLoader<K, V, C> {
  let loaders = registry.get(req);
  if (!loaders) {
    loaders = new Map();
    registry.set(req, loaders);
  }
  let loader = loaders.get(key) as DataLoader<K, V, C> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V, C>(batch, options);
    loaders.set(key, loader as DataLoader<unknown, unknown, unknown>);
  }
  return loader;
}

/**
 * Orders `rows` as `keys` for a batch function: DataLoader needs one result per
 * key, in key order; a key without a row gets `missing(key)` (e.g. null or an AppError).
 */
export function byKeys<K, R, V = R>(
  keys: readonly K[],
  rows: readonly R[],
  keyOf: (row: R) => K,
  missing: (key: K) => V | Error,
): (R | V | Error)[] {
  const found = new Map<K, R>();
  for (const row of rows) found.set(keyOf(row), row);
  return keys.map((key) => (found.has(key) ? (found.get(key) as R) : missing(key)));
}

/**
 * The rows of a child connection's page (`take` = page size + 1) for one parent.
 * First pages (no cursor) of all parents resolved in one tick — a list of policies,
 * each asking for its revisions — are read in one `firstPages` call; a later page
 * concerns one parent and is read alone by `page`. `key` names the tenant and the
 * page size, as for loaderFor.
 */
export function childPage<R>(
  req: object,
  key: string,
  parentId: string,
  hasCursor: boolean,
  firstPages: (parentIds: readonly string[]) => Promise<Map<string, R[]>>,
  page: () => Promise<R[]>,
): Promise<R[]> {
  if (hasCursor) return page();
  return loaderFor<string, R[]>(req, key, async (ids) => {
    const pages = await firstPages(ids);
    return ids.map((id) => pages.get(id) ?? []);
  }).load(parentId);
}
