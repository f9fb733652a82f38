import { useQuery } from 'urql';
import { Badge } from '../../components/Badge';
import { ErrorBanner } from '../../components/ErrorBanner';
import { getFragmentData, graphql, type FragmentType } from '../../gql';
import { errorMessages } from '../../lib/errors';
import { formatMoney, formatNumber, humanize } from '../../lib/format';

const PlansQuery = graphql(`
  query Plans {
    plans {
      id
      ...PlanCard_plan
    }
  }
`);

const PlanCardFragment = graphql(`
  fragment PlanCard_plan on Plan {
    id
    name
    priceCents
    currency
    interval
    limits {
      feature
      limit
    }
  }
`);

const FEATURE_LABELS: Record<string, string> = {
  prompt_runs: 'Prompt runs',
  tokens: 'Tokens',
  seats: 'Seats',
  api_calls: 'API calls',
};

function featureLabel(feature: string): string {
  return FEATURE_LABELS[feature] ?? humanize(feature);
}

function PlanCard({ plan: planRef, current }: { plan: FragmentType<typeof PlanCardFragment>; current: boolean }) {
  const plan = getFragmentData(PlanCardFragment, planRef);
  const interval = plan.interval === 'YEAR' ? 'year' : 'month';
  return (
    <li className={current ? 'plan plan-current' : 'plan'}>
      <div className="plan-head">
        <h3 className="plan-name">{plan.name}</h3>
        {current ? <Badge tone="accent">Current plan</Badge> : null}
      </div>
      <p className="plan-price">
        <span className="plan-amount">{formatMoney(plan.priceCents, plan.currency)}</span>
        <span className="plan-interval"> / {interval}</span>
      </p>
      <dl className="plan-limits">
        {plan.limits.map((limit) => (
          <div className="plan-limit" key={limit.feature}>
            <dt>{featureLabel(limit.feature)}</dt>
            <dd>{limit.limit == null ? 'Unlimited' : formatNumber(limit.limit)}</dd>
          </div>
        ))}
      </dl>
    </li>
  );
}

/** The public plan catalogue; `currentPlanId` marks the active organization's plan. */
export function PlansList({ currentPlanId = null }: { currentPlanId?: string | null }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: PlansQuery });

  if (!data && fetching) return <p className="muted">Loading plans…</p>;
  if (!data) {
    return (
      <div className="stack">
        <ErrorBanner messages={errorMessages(error)} />
        <button type="button" className="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Try again
        </button>
      </div>
    );
  }
  if (data.plans.length === 0) return <p className="muted">No plans are available.</p>;

  return (
    <ul className="plan-grid">
      {data.plans.map((plan) => (
        <PlanCard key={plan.id} plan={plan} current={plan.id === currentPlanId} />
      ))}
    </ul>
  );
}
