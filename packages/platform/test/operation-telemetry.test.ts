import { Writable } from 'node:stream';
import { createLogger, createMetrics, operationRecorder } from '../src';

// One log line and one metric per operation, refused ones included (issue 7: telemetry).
function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const metrics = createMetrics('telemetry-test');
  return { lines, metrics, record: operationRecorder(metrics, createLogger('telemetry-test', 'info', stream)) };
}

/** A metric's samples; `lattice_graphql_operation_duration_seconds_count` is one of the histogram's. */
async function samples(metrics: ReturnType<typeof createMetrics>, name: string) {
  const metric = metrics.registry.getSingleMetric(name) ?? metrics.registry.getSingleMetric(name.replace(/_count$/, ''))!;
  const { values } = await metric.get();
  return values
    .filter((v) => ((v as { metricName?: string }).metricName ?? name) === name)
    .map((v) => ({ labels: v.labels, value: v.value }));
}

test('a refused operation writes one line with its outcome, codes and limit, and counts under operation "-"', async () => {
  const { lines, metrics, record } = setup();
  const refusal = {
    message: 'The operation nests fields 14 deep, more than the limit of 10.',
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', max: 10 },
  };
  record({ requestId: 'r1', name: 'ClientChosenName', type: 'unknown', seconds: 0.002, outcome: 'refused', errors: [refusal] });
  expect(lines).toEqual([
    expect.objectContaining({
      msg: 'graphql operation',
      requestId: 'r1',
      operation: 'ClientChosenName',
      type: 'unknown',
      outcome: 'refused',
      errors: 1,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
      limits: ['depth'],
    }),
  ]);
  expect(await samples(metrics, 'lattice_graphql_operation_duration_seconds_count')).toEqual([
    { labels: { operation: '-', type: 'unknown', outcome: 'refused' }, value: 1 },
  ]);
  expect(await samples(metrics, 'lattice_graphql_errors_total')).toEqual([
    { labels: { operation: '-', code: 'GRAPHQL_VALIDATION_FAILED' }, value: 1 },
  ]);
});

test('operation names become labels up to a bound; past it, new names share one series', async () => {
  const { metrics, record } = setup();
  for (let i = 0; i < 600; i++) record({ name: `Op${i}`, type: 'query', seconds: 0.001, outcome: 'ok', errors: [] });
  const series = await samples(metrics, 'lattice_graphql_operation_duration_seconds_count');
  expect(series).toHaveLength(501);
  expect(series).toContainEqual({ labels: { operation: 'other', type: 'query', outcome: 'ok' }, value: 100 });
  record({ name: 'Op1', type: 'query', seconds: 0.001, outcome: 'ok', errors: [] });
  expect(await samples(metrics, 'lattice_graphql_operation_duration_seconds_count')).toContainEqual({
    labels: { operation: 'Op1', type: 'query', outcome: 'ok' },
    value: 2,
  });
});
