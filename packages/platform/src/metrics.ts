import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger';

/** One registry per server, so several servers in one process (tests) keep their own series. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const operationDuration = new Histogram({
    name: 'lattice_graphql_operation_duration_seconds',
    help: 'GraphQL operation latency by operation name, type and outcome',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const operationErrors = new Counter({
    name: 'lattice_graphql_errors_total',
    help: 'GraphQL errors by operation name and code',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  });
  return {
    registry,
    operationDuration,
    operationErrors,
    gauge: (name: string, help: string, collect: () => number) =>
      new Gauge({ name, help, registers: [registry], collect() { this.set(collect()); } }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Times every operation, counts its errors by code, and writes one log line for it. */
export function operationMetricsPlugin<T extends BaseContext>(metrics: Metrics, logger: Logger): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = process.hrtime.bigint();
      const requestId = (contextValue as { requestId?: string }).requestId;
      return {
        async willSendResponse({ operation, operationName, errors, response }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const name = operationName ?? request.operationName ?? 'anonymous';
          const type = operation?.operation ?? 'unknown';
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const all = errors ?? body?.errors ?? [];
          for (const e of all) {
            metrics.operationErrors.inc({ operation: name, code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
          }
          const outcome = all.length ? 'error' : 'ok';
          metrics.operationDuration.observe({ operation: name, type, outcome }, seconds);
          logger.info({ requestId, operation: name, type, ms: Math.round(seconds * 1000), errors: all.length }, 'graphql operation');
        },
      };
    },
  };
}
