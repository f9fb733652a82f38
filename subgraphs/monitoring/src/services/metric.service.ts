import { badUserInput, mutate, type Scope } from '@lattice/platform';
import { MetricPointEntity } from '../entities/metric-point.entity';
import { isMetricName, type RecordMetricInput } from '../schema/record-metric.input';
import { policy } from '../policy';
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
    throw badUserInput([{ path: ['input', 'labels'], message: `at most ${MAX_LABELS} labels, each a string of at most 200 characters` }]);
  }
  return labels as Record<string, string>;
}

const toEvent = (p: MetricPointEntity): MetricEvent => ({
  name: p.name,
  value: p.value,
  labels: p.labels,
  at: p.at.toISOString(),
  recordedBy: p.recordedBy,
});

/** Telemetry: through the mutation boundary, published live after the commit, counted but not audited. */
export async function recordMetric(scope: Scope, input: RecordMetricInput) {
  const { org, principal } = policy.authorizeOrg(scope.principal, 'metrics:write');
  const labels = parseLabels(input.labels);
  return mutate(
    scope,
    async (tx) => {
      const point = tx.em.create(MetricPointEntity, {
        orgId: org,
        name: input.name,
        value: input.value,
        labels,
        at: input.at ?? tx.clock.now(),
        recordedBy: principal.kind === 'user' ? principal.sub : null,
      });
      tx.live.publish(metricTopic(org, point.name), toEvent(point));
      return point;
    },
    { audit: false },
  );
}

export async function metricSeries(scope: Scope, name: string, window: SeriesWindow) {
  const { org } = policy.authorizeOrg(scope.principal, 'metrics:read');
  validateWindow(window);
  if (!isMetricName(name)) throw badUserInput([{ path: ['name'], message: 'is not a valid metric name' }]);
  const rows: Array<Record<string, string | number | null>> = await scope.em.getConnection().execute(
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
