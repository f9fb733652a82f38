import type { Redis } from '../redis';

type StreamId = [ms: bigint, seq: bigint];

const parseId = (id: string): StreamId => {
  const [ms, seq = '0'] = id.split('-');
  return [BigInt(ms!), BigInt(seq)];
};
const before = (a: StreamId, b: StreamId) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const format = ([ms, seq]: StreamId) => `${ms}-${seq}`;

/** XINFO GROUPS answers each group as a flat [field, value, ...] list. */
const field = (info: unknown[], name: string) => info[info.indexOf(name) + 1];

/**
 * Trim a stream only past what every consumer group has acknowledged: for each group the first
 * id it still needs is its oldest pending entry, or (none pending) the one after its
 * last-delivered id; everything older than the smallest of those goes. A stream without groups
 * is left alone (nobody has said what it no longer needs). Returns how many entries were removed.
 */
export async function trimAcknowledged(redis: Redis, key: string): Promise<number> {
  let groups: unknown[][];
  try {
    groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
  } catch (err) {
    if (/no such key/i.test((err as Error).message)) return 0;
    throw err;
  }
  if (!groups.length) return 0;
  let keepFrom: StreamId | undefined;
  for (const info of groups) {
    let needed: StreamId;
    if (Number(field(info, 'pending')) > 0) {
      const [, oldest] = (await redis.xpending(key, String(field(info, 'name')))) as [number, string, string, unknown];
      needed = parseId(oldest);
    } else {
      const [ms, seq] = parseId(String(field(info, 'last-delivered-id')));
      needed = [ms, seq + 1n];
    }
    if (!keepFrom || before(needed, keepFrom)) keepFrom = needed;
  }
  // MINID removes entries with an id below it; exact (no `~`), so nothing still needed can go.
  return redis.xtrim(key, 'MINID', format(keepFrom!));
}
