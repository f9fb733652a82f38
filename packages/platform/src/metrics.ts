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
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(collect());
        },
      }),
    counter: <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** How an operation ended: `refused` never ran (parse, validation, a guard or a limit said no). */
export type OperationOutcome = 'ok' | 'error' | 'refused';

export interface OperationRecord {
  requestId?: string;
  /** The client's operation name; `anonymous` when it has none. */
  name: string;
  type: string;
  seconds: number;
  outcome: OperationOutcome;
  errors: ReadonlyArray<{ message?: string; extensions?: Record<string, unknown> }>;
}

// Operation names come from clients: past this many distinct ones, new names share one series,
// so a client sending random names cannot grow the metrics without bound; long ones are cut.
const MAX_OPERATION_NAMES = 500;
const MAX_NAME_LENGTH = 100;

/** The one log line and the one metric of an operation, whichever transport it came over. */
export function operationRecorder(metrics: Metrics, logger: Logger) {
  const names = new Set<string>();
  const label = (full: string) => {
    const name = full.slice(0, MAX_NAME_LENGTH);
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES) return 'other';
    names.add(name);
    return name;
  };
  return (op: OperationRecord): void => {
    // A refused operation's name is whatever the client sent, unchecked: logged, not a label.
    const operation = op.outcome === 'refused' ? '-' : label(op.name);
    const codes = op.errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    for (const code of codes) metrics.operationErrors.inc({ operation, code });
    metrics.operationDuration.observe({ operation, type: op.type, outcome: op.outcome }, op.seconds);
    const limits = op.errors.map((e) => e.extensions?.limit).filter((l) => l !== undefined);
    logger.info(
      {
        requestId: op.requestId,
        operation: op.name.slice(0, MAX_NAME_LENGTH),
        type: op.type,
        outcome: op.outcome,
        ms: Math.round(op.seconds * 1000),
        errors: op.errors.length,
        ...(codes.length ? { codes: [...new Set(codes)] } : {}),
        ...(limits.length ? { limits } : {}),
      },
      'graphql operation',
    );
  };
}
export type RecordOperation = ReturnType<typeof operationRecorder>;

/** Times every operation Apollo runs (HTTP, and queries and mutations over graphql-ws) and records it. */
export function operationMetricsPlugin<T extends BaseContext>(record: RecordOperation): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = process.hrtime.bigint();
      const requestId = (contextValue as { requestId?: string }).requestId;
      return {
        async willSendResponse({ operation, operationName, errors, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const all = errors ?? body?.errors ?? [];
          // Execution always answers `data` (null included); a refusal before it has none.
          const outcome: OperationOutcome = body && !('data' in body) ? 'refused' : all.length ? 'error' : 'ok';
          record({
            requestId,
            name: operationName ?? request.operationName ?? 'anonymous',
            type: operation?.operation ?? 'unknown',
            seconds: Number(process.hrtime.bigint() - started) / 1e9,
            outcome,
            errors: all,
          });
        },
      };
    },
  };
}
