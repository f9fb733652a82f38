import { badUserInput, requireActiveOrg, requireRole, type Principal, type PubSub } from '@lattice/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MetricPointEntity } from '../entities/metric-point.entity';
import { isMetricName, type RecordMetricInput } from '../schema/record-metric.input';
import { fillBuckets, validateWindow, type BucketRow, type SeriesWindow } from './metric-series';

/** What travels over pub/sub for one recorded point. */
export interface MetricEvent {
  name: string;
  value: number;
  labels: Record<string, string> | null;
  at: string;
  recordedBy: string | null;
}

export const MAX_LABELS = 20;

/** Channel of one metric name in one organization: subscribers only ever hear their own tenant. */
export const metricTopic = (org: string, name: string) => `metrics:${org}:${name}`;

function parseLabels(labels: Record<string, unknown> | null | undefined): Record<string, string> | null {
  if (labels === null || labels === undefined) return null;
  const entries = Object.entries(labels);
  const bad = entries.length > MAX_LABELS || entries.some(([k, v]) => typeof v !== 'string' || k.length > 100 || v.length > 200);
  if (bad) {
    throw badUserInput([
      { path: ['input', 'labels'], message: `at most ${MAX_LABELS} labels, each a string of at most 200 characters` },
    ]);
  }
  return labels as Record<string, string>;
}

export const toEvent = (p: MetricPointEntity): MetricEvent => ({
  name: p.name,
  value: p.value,
  labels: p.labels,
  at: p.at.toISOString(),
  recordedBy: p.recordedBy,
});

export async function recordMetric(em: EntityManager, pubsub: PubSub, principal: Principal | null, input: RecordMetricInput) {
  const { org, principal: p } = requireRole(principal, 'MEMBER');
  const point = em.create(MetricPointEntity, {
    orgId: org,
    name: input.name,
    value: input.value,
    labels: parseLabels(input.labels),
    at: input.at ?? new Date(),
    recordedBy: p.kind === 'user' ? p.sub : null,
  });
  await em.persistAndFlush(point);
  // Published after the commit, so a subscriber never sees a point that was rolled back; best
  // effort, so a Redis outage costs live subscribers this point but never the stored write.
  await pubsub.publish(metricTopic(org, point.name), toEvent(point));
  return point;
}

export async function metricSeries(em: EntityManager, principal: Principal | null, name: string, window: SeriesWindow) {
  const { org } = requireActiveOrg(principal);
  validateWindow(window);
  if (!isMetricName(name)) throw badUserInput([{ path: ['name'], message: 'is not a valid metric name' }]);
  const rows: Array<Record<string, string | number | null>> = await em.getConnection().execute(
    `select floor(extract(epoch from ("at" - ?::timestamptz)) / ?)::int as idx,
            count(*)::int as count, avg("value") as avg, min("value") as min, max("value") as max
       from "monitoring"."metric_points"
      where "org_id" = ? and "name" = ? and "at" >= ? and "at" < ?
      group by idx`,
    [window.from.toISOString(), window.bucketSeconds, org, name, window.from.toISOString(), window.to.toISOString()],
  );
  const num = (v: string | number | null) => (v === null ? null : Number(v));
  const buckets: BucketRow[] = rows.map((r) => ({
    idx: Number(r.idx),
    count: Number(r.count),
    avg: num(r.avg),
    min: num(r.min),
    max: num(r.max),
  }));
  return fillBuckets(window, buckets);
}
