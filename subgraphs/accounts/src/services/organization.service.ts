import { requireUser, type Principal } from '@lattice/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { MembershipEntity } from '../entities/membership.entity';
import { OrganizationEntity } from '../entities/organization.entity';
import type { CreateOrganizationInput } from '../schema/auth.input';
import { slugify } from './slug';

/** Create an organization with the caller as OWNER; the client then calls switchOrganization. */
export async function createOrganization(em: EntityManager, principal: Principal | null, input: CreateOrganizationInput) {
  const p = requireUser(principal);
  const name = input.name.trim();
  const base = slugify(name);
  for (let attempt = 0; ; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${randomBytes(3).toString('hex')}`;
    if (await em.count(OrganizationEntity, { slug })) continue;
    try {
      // One transaction, organization first: never an organization without its owner.
      return await em.fork().transactional(async (tx) => {
        const org = tx.create(OrganizationEntity, { name, slug });
        await tx.flush();
        tx.create(MembershipEntity, { userId: p.sub, orgId: org.id, role: 'OWNER' });
        return org;
      });
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException) || attempt > 5) throw err;
    }
  }
}
