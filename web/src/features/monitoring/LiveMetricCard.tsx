import { useState } from 'react';
import { useSubscription } from 'urql';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { graphql } from '../../gql';
import type { LiveMetricSubscription } from '../../gql/graphql';
import { errorMessages } from '../../lib/errors';
import { formatNumber } from '../../lib/format';
import { Sparkline } from './Sparkline';

const LiveMetricSubscriptionDocument = graphql(`
  subscription LiveMetric($name: String!) {
    metricRecorded(name: $name) {
      value
      at
      recordedBy {
        name
      }
    }
  }
`);

type Point = LiveMetricSubscription['metricRecorded'];

/** Values kept for the sparkline: about a minute of a busy metric. */
const HISTORY = 60;

/**
 * One metric of the active organization, live over graphql-ws through the gateway: the latest
 * value, who recorded it and a sparkline of the recent ones. Points received before a metric
 * name change are dropped with it.
 */
export function LiveMetricCard({ initialName = 'latency_ms' }: { initialName?: string }) {
  const [draft, setDraft] = useState(initialName);
  const [name, setName] = useState(initialName);
  const [{ data, error }] = useSubscription<LiveMetricSubscription, Point[], { name: string }>(
    { query: LiveMetricSubscriptionDocument, variables: { name } },
    (history = [], event) => [...history, event.metricRecorded].slice(-HISTORY),
  );
  const points = data ?? [];
  const latest = points.at(-1);

  return (
    <section className="card live-metric" aria-labelledby="live-metric-title">
      <div className="card-head">
        <h2 id="live-metric-title">Live metric</h2>
        <span className="live-dot" title="Streaming over graphql-ws" aria-hidden="true" />
      </div>
      <form
        className="form form-inline"
        aria-label="Metric to follow"
        onSubmit={(event) => {
          event.preventDefault();
          if (draft.trim()) setName(draft.trim());
        }}
      >
        <TextField label="Metric name" name="metric" value={draft} onChange={setDraft} required maxLength={200} />
        <button type="submit" className="button" disabled={draft.trim() === '' || draft.trim() === name}>
          Follow
        </button>
      </form>
      <ErrorBanner messages={errorMessages(error)} />
      {latest ? (
        <>
          <p className="live-value" aria-live="polite">
            <strong data-testid="live-value">{formatNumber(latest.value)}</strong>
            <span className="muted small">
              {' '}
              at {new Date(latest.at).toLocaleTimeString()}
              {latest.recordedBy ? ` by ${latest.recordedBy.name}` : ''}
            </span>
          </p>
          <Sparkline values={points.map((p) => p.value)} label={`Recent values of ${name}`} />
        </>
      ) : (
        <p className="muted">
          Waiting for <span className="mono">{name}</span>: values appear here the moment they are recorded.
        </p>
      )}
    </section>
  );
}
