/**
 * DataLoader's contract: one result per key, in key order. Rows are matched to keys by `keyOf`;
 * a key without a row gets `undefined`, for the caller to turn into null, an error or a default.
 */
export function alignToKeys<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): Array<T | undefined> {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key));
}
