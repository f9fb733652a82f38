import { alignToKeys, type Scope } from '@lattice/platform';
import DataLoader from 'dataloader';
import { MembershipEntity } from './entities/membership.entity';
import { OrganizationEntity } from './entities/organization.entity';
import { UserEntity } from './entities/user.entity';

/**
 * Per-request loaders. Each answers only what the caller may see, decided in SQL from the
 * memberships table (not from the token, which may be minutes old): one statement per batch.
 */
export function createLoaders({ em, principal }: Scope) {
  const caller = principal?.kind === 'user' ? principal.sub : null;
  const rows = (sql: string, params: unknown[]) => em.getConnection().execute<Record<string, unknown>[]>(sql, params);
  const byId = <T extends { id: string }>(items: T[], ids: readonly string[]) => alignToKeys(ids, items, (i) => i.id).map((i) => i ?? null);

  return {
    /** Users the caller may see: itself, and anyone sharing an organization with it. */
    visibleUser: new DataLoader<string, UserEntity | null>(async (ids) => {
      if (!caller) return ids.map(() => null);
      const found = await rows(
        `select u.* from "accounts"."users" u
          where u.id in (?)
            and (u.id = ? or exists (
              select 1 from "accounts"."memberships" theirs
                join "accounts"."memberships" mine on mine.org_id = theirs.org_id and mine.user_id = ?
               where theirs.user_id = u.id))`,
        [ids, caller, caller],
      );
      return byId(
        found.map((r) => em.map(UserEntity, r)),
        ids,
      );
    }),

    /**
     * Any user by id, for the actor of an audit entry: the entry is already tenant-checked, and
     * who acted in an organization stays visible to its admins after the actor has left it.
     */
    userById: new DataLoader<string, UserEntity | null>(async (ids) => byId(await em.find(UserEntity, { id: { $in: [...ids] } }), ids)),

    /** Organizations the caller belongs to. */
    visibleOrganization: new DataLoader<string, OrganizationEntity | null>(async (ids) => {
      if (!caller) return ids.map(() => null);
      const found = await rows(
        `select o.* from "accounts"."organizations" o
           join "accounts"."memberships" m on m.org_id = o.id and m.user_id = ?
          where o.id in (?)`,
        [caller, ids],
      );
      return byId(
        found.map((r) => em.map(OrganizationEntity, r)),
        ids,
      );
    }),

    /** A user's memberships, limited to organizations the caller also belongs to. */
    sharedMemberships: new DataLoader<string, MembershipEntity[]>(async (userIds) => {
      if (!caller) return userIds.map(() => []);
      const found = await rows(
        `select m.* from "accounts"."memberships" m
          where m.user_id in (?)
            and m.org_id in (select org_id from "accounts"."memberships" where user_id = ?)
          order by m.created_at, m.id`,
        [userIds, caller],
      );
      const memberships = found.map((r) => em.map(MembershipEntity, r));
      return userIds.map((id) => memberships.filter((m) => m.userId === id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
