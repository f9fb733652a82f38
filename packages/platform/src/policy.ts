import { forbidden, unauthenticated } from './errors';
import type { OrgRole, Principal } from './principal';

const RANK: Record<OrgRole, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };
export const roleAtLeast = (role: OrgRole, minimum: OrgRole): boolean => RANK[role] >= RANK[minimum];

/**
 * What one action needs. Organization actions: users by role (reads in any organization they
 * belong to, writes in the active one), API keys by scope in their own organization.
 */
export type ActionRule =
  | { kind: 'public' }
  /** Any signed-in user, no organization involved (createOrganization, switchOrganization). */
  | { kind: 'user' }
  | { kind: 'platformAdmin' }
  | { kind: 'org'; access: 'read' | 'write'; role: OrgRole; scope: string };

export const rule = {
  public: (): ActionRule => ({ kind: 'public' }),
  user: (): ActionRule => ({ kind: 'user' }),
  platformAdmin: (): ActionRule => ({ kind: 'platformAdmin' }),
  read: (role: OrgRole, scope: string): ActionRule => ({ kind: 'org', access: 'read', role, scope }),
  write: (role: OrgRole, scope: string): ActionRule => ({ kind: 'org', access: 'write', role, scope }),
};

export type Decision = { allowed: true; org: string | null } | { allowed: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; reason: string };

const deny = (reason: string): Decision => ({ allowed: false, code: 'FORBIDDEN', reason });

/** The role a principal holds in an organization, from its (fresh) memberships. */
const roleIn = (principal: Principal, org: string): OrgRole | null =>
  principal.org === org && principal.role ? principal.role : (principal.memberships.find((m) => m.org === org)?.role ?? null);

/**
 * May `principal` do what `rule` describes, in `org` (default: its active organization)?
 * Pure: the one place every subgraph's access decisions are made.
 */
export function can(principal: Principal | null, action: ActionRule, org?: string | null): Decision {
  if (action.kind === 'public') return { allowed: true, org: org ?? null };
  if (!principal) return { allowed: false, code: 'UNAUTHENTICATED', reason: 'Authentication required' };
  // Service principals are authorized by the internal endpoint they call, never by a graph action.
  if (principal.kind === 'service') return deny('Service principals may not call the graph');
  if (action.kind === 'user') return principal.kind === 'user' ? { allowed: true, org: null } : deny('Requires a signed-in user');
  if (action.kind === 'platformAdmin') {
    return principal.kind === 'user' && principal.platformAdmin ? { allowed: true, org: null } : deny('Requires a platform admin');
  }
  const target = org ?? principal.org;
  if (!target) return deny('No active organization: call switchOrganization first');
  if (principal.kind === 'apiKey') {
    if (target !== principal.org) return deny('An API key acts only in its own organization');
    return principal.scopes.includes(action.scope) ? { allowed: true, org: target } : deny(`Requires the ${action.scope} scope`);
  }
  if (action.access === 'write' && target !== principal.org)
    return deny('Writes act on the active organization: call switchOrganization first');
  const role = roleIn(principal, target);
  if (!role) return deny('Not a member of this organization');
  return roleAtLeast(role, action.role) ? { allowed: true, org: target } : deny(`Requires the ${action.role} role or higher`);
}

export interface Policy<A extends string> {
  readonly actions: Readonly<Record<A, ActionRule>>;
  can(principal: Principal | null, action: A, org?: string | null): Decision;
  /** `can`, or throw UNAUTHENTICATED/FORBIDDEN naming what is missing; returns the organization acted on. */
  authorize(principal: Principal | null, action: A, org?: string | null): { principal: Principal; org: string | null };
  /** `authorize` for organization actions: the organization is always there. */
  authorizeOrg(principal: Principal | null, action: A, org?: string | null): { principal: Principal; org: string };
}

/** A subgraph's action table (`src/policy.ts`), with `can` and `authorize` bound to it. */
export function definePolicy<A extends string>(actions: Record<A, ActionRule>): Policy<A> {
  const decide = (principal: Principal | null, action: A, org?: string | null) => {
    const r = actions[action];
    if (!r) throw new Error(`Unknown action ${action}`);
    return can(principal, r, org);
  };
  const authorize = (principal: Principal | null, action: A, org?: string | null) => {
    const d = decide(principal, action, org);
    if (!d.allowed) throw d.code === 'UNAUTHENTICATED' ? unauthenticated(d.reason) : forbidden(`${d.reason} (${action})`);
    return { principal: principal!, org: d.org };
  };
  return {
    actions,
    can: decide,
    authorize,
    authorizeOrg(principal, action, org) {
      const { org: acted, principal: p } = authorize(principal, action, org);
      if (!acted) throw new Error(`${action} is not an organization action`);
      return { principal: p, org: acted };
    },
  };
}

/** Signed in at all (any kind), or UNAUTHENTICATED. */
export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw unauthenticated();
  return principal;
}

/** Reads are allowed in any organization the principal is a member of (an API key: its own). */
export const isMemberOf = (principal: Principal | null, org: string): boolean =>
  !!principal && (principal.org === org || principal.memberships.some((m) => m.org === org));

/** The organizations a principal may read in. */
export const memberOrgIds = (principal: Principal | null): string[] => {
  if (!principal) return [];
  const orgs = new Set(principal.memberships.map((m) => m.org));
  if (principal.org) orgs.add(principal.org);
  return [...orgs];
};
