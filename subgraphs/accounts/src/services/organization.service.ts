import { mutate, type Scope } from '@lattice/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { randomBytes } from 'node:crypto';
import type { Deps } from '../context';
import { MembershipEntity } from '../entities/membership.entity';
import { OrganizationEntity } from '../entities/organization.entity';
import { policy } from '../policy';
import type { CreateOrganizationInput } from '../schema/auth.input';
import { membershipsChanged } from './membership-projection';
import { slugify } from './slug';

/** Create an organization with the caller as OWNER; the client then calls switchOrganization. */
export async function createOrganization(scope: Scope, deps: Deps, input: CreateOrganizationInput) {
  const { principal } = policy.authorize(scope.principal, 'organizations:create');
  const name = input.name.trim();
  const base = slugify(name);
  for (let attempt = 0; ; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${randomBytes(3).toString('hex')}`;
    if (await scope.em.count(OrganizationEntity, { slug })) continue;
    try {
      // Organization first, then its owner: never one without the other.
      return await mutate(scope, async (tx) => {
        const org = tx.em.create(OrganizationEntity, { name, slug });
        await tx.em.flush();
        tx.em.create(MembershipEntity, { userId: principal.sub, orgId: org.id, role: 'OWNER' });
        await membershipsChanged(tx, deps.memberships, principal.sub);
        tx.audit({
          action: 'organization.create',
          orgId: org.id,
          target: { type: 'Organization', id: org.id },
          after: { name, slug, ownerId: principal.sub },
        });
        return org;
      });
    } catch (err) {
      // Another organization took the slug between the check and the insert: try another.
      if (!(err instanceof UniqueConstraintViolationException) || attempt > 5) throw err;
    }
  }
}
