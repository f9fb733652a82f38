import { useState } from 'react';
import type { CombinedError } from 'urql';
import { Badge, type BadgeTone } from '../../components/Badge';
import { ErrorBanner } from '../../components/ErrorBanner';
import { getFragmentData, graphql, type FragmentType } from '../../gql';
import type { BillingSubscriptionStatus } from '../../gql/graphql';
import { errorMessages } from '../../lib/errors';
import { formatDate, formatMoney, humanize } from '../../lib/format';
import { useSwitchOrganization } from './useSwitchOrganization';

export const MembershipCardFragment = graphql(`
  fragment MembershipCard_membership on Membership {
    role
    organization {
      id
      name
      slug
      subscription {
        id
        status
        currentPeriodEnd
        plan {
          id
          name
          priceCents
          currency
          interval
        }
      }
    }
  }
`);

type MembershipRef = FragmentType<typeof MembershipCardFragment>;

function statusTone(status: BillingSubscriptionStatus): BadgeTone {
  switch (status) {
    case 'ACTIVE':
    case 'TRIALING':
      return 'positive';
    case 'PAST_DUE':
    case 'UNPAID':
    case 'INCOMPLETE':
      return 'warning';
    default:
      return 'muted';
  }
}

function MembershipCard({
  membership: membershipRef,
  active,
  switching,
  onSwitch,
}: {
  membership: MembershipRef;
  active: boolean;
  switching: boolean;
  onSwitch: (organizationId: string) => void;
}) {
  const { role, organization } = getFragmentData(MembershipCardFragment, membershipRef);
  const { subscription } = organization;
  const interval = subscription.plan.interval === 'YEAR' ? 'yr' : 'mo';

  return (
    <li className={active ? 'membership membership-active' : 'membership'}>
      <div className="membership-main">
        <div className="membership-title">
          <h3>{organization.name}</h3>
          {active ? (
            <span title="The organization this session acts for">
              <Badge tone="accent">Current</Badge>
            </span>
          ) : null}
        </div>
        <p className="membership-meta">
          <span className="mono">{organization.slug}</span>
          <span aria-hidden="true"> · </span>
          <span>{humanize(role)}</span>
        </p>
        <p className="membership-plan">
          <span>
            {subscription.plan.name} plan ({formatMoney(subscription.plan.priceCents, subscription.plan.currency)}/{interval})
          </span>
          <Badge tone={statusTone(subscription.status)}>{humanize(subscription.status)}</Badge>
          {subscription.currentPeriodEnd ? <span className="muted">Period ends {formatDate(subscription.currentPeriodEnd)}</span> : null}
        </p>
      </div>
      {active ? null : (
        <button
          type="button"
          className="button"
          disabled={switching}
          onClick={() => onSwitch(organization.id)}
          aria-label={`Switch to ${organization.name}`}
        >
          Switch
        </button>
      )}
    </li>
  );
}

export interface MembershipListItem {
  organization: { id: string };
  membership: MembershipRef;
}

export function MembershipList({
  items,
  activeOrganizationId,
}: {
  items: readonly MembershipListItem[];
  activeOrganizationId: string | null;
}) {
  const { switchTo, switching } = useSwitchOrganization();
  const [error, setError] = useState<CombinedError | undefined>(undefined);

  const onSwitch = async (organizationId: string) => {
    setError(undefined);
    const result = await switchTo(organizationId);
    if (!result.ok) setError(result.error);
  };

  if (items.length === 0) {
    return <p className="muted">You are not a member of any organization yet. Create one below.</p>;
  }

  return (
    <div className="stack">
      <ErrorBanner messages={errorMessages(error)} />
      <ul className="membership-list">
        {items.map(({ organization, membership }) => (
          <MembershipCard
            key={organization.id}
            membership={membership}
            active={organization.id === activeOrganizationId}
            switching={switching}
            onSwitch={(id) => void onSwitch(id)}
          />
        ))}
      </ul>
    </div>
  );
}
