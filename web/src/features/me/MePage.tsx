import { useQuery } from 'urql';
import { ErrorBanner } from '../../components/ErrorBanner';
import { graphql } from '../../gql';
import { errorMessages } from '../../lib/errors';
import { clearSession, useActiveOrganizationId } from '../../lib/session';
import { PlansList } from '../billing/PlansList';
import { LiveMetricCard } from '../monitoring/LiveMetricCard';
import { CreateOrganizationForm } from '../organizations/CreateOrganizationForm';
import { MembershipList } from '../organizations/MembershipList';
import { ProfileCard } from './ProfileCard';

const MePageQuery = graphql(`
  query MePage {
    me {
      id
      name
      email
      createdAt
      memberships {
        role
        organization {
          id
          name
          subscription {
            id
            plan {
              id
            }
          }
        }
        ...MembershipCard_membership
      }
    }
  }
`);

/**
 * The signed-in home. Sections are cards in a responsive grid (one column on a phone); the
 * live metric (a graphql-ws subscription through the gateway) needs an active organization.
 */
export function MePage() {
  const activeOrganizationId = useActiveOrganizationId();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MePageQuery });
  const refetchMe = () => refetch({ requestPolicy: 'network-only' });

  if (!data && fetching) {
    return <p className="muted page-status">Loading your account…</p>;
  }
  if (!data) {
    return (
      <div className="page-status stack">
        <ErrorBanner messages={errorMessages(error)} />
        <button type="button" className="button" onClick={refetchMe}>
          Try again
        </button>
      </div>
    );
  }

  const me = data.me;
  if (!me) {
    return (
      <div className="page-status stack">
        <ErrorBanner messages={['Your session is no longer valid. Please log in again.']} />
        <button type="button" className="button button-primary" onClick={() => clearSession()}>
          Log in again
        </button>
      </div>
    );
  }

  const activeMembership = me.memberships.find((m) => m.organization.id === activeOrganizationId) ?? null;

  return (
    <div className="dashboard">
      <ProfileCard
        name={me.name}
        email={me.email}
        createdAt={me.createdAt}
        activeOrganizationName={activeMembership?.organization.name ?? null}
        activeRole={activeMembership?.role ?? null}
      />

      <section className="card" aria-labelledby="organizations-title">
        <div className="card-head">
          <h2 id="organizations-title">Organizations</h2>
          {fetching ? <span className="muted small">Refreshing…</span> : null}
        </div>
        <MembershipList
          activeOrganizationId={activeOrganizationId}
          items={me.memberships.map((membership) => ({ organization: membership.organization, membership }))}
        />
        <CreateOrganizationForm onCreatedWithoutSwitch={refetchMe} />
      </section>

      {activeMembership ? <LiveMetricCard key={activeMembership.organization.id} /> : null}

      <section className="card" aria-labelledby="plans-title">
        <h2 id="plans-title">Plans</h2>
        <PlansList currentPlanId={activeMembership?.organization.subscription.plan.id ?? null} />
      </section>
    </div>
  );
}
