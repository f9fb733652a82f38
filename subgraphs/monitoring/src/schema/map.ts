import type { MetricPointEntity } from '../entities/metric-point.entity';
import type { MetricEvent } from '../services/metric.service';
import type { MetricPoint } from './metric-point.type';

/** Entity → GraphQL type, in one place, so a column change never changes the API. */
export const toMetricPoint = (p: MetricPointEntity): MetricPoint => ({
  name: p.name,
  value: p.value,
  labels: p.labels,
  at: p.at,
  recordedBy: p.recordedBy ? { id: p.recordedBy } : null,
});

/** A point as published live (`metricRecorded`): the same fields, serialized for pub/sub. */
export const metricEventToMetricPoint = (e: MetricEvent): MetricPoint => ({
  name: e.name,
  value: e.value,
  labels: e.labels,
  at: new Date(e.at),
  recordedBy: e.recordedBy ? { id: e.recordedBy } : null,
});
