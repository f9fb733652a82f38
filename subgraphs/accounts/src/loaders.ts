import { alignToKeys, selectRows, toPlainRow, type PlainRow, type Scope } from '@lattice/platform';
import DataLoader from 'dataloader';
import { MembershipEntity } from './entities/membership.entity';
import { OrganizationEntity } from './entities/organization.entity';
import { UserEntity } from './entities/user.entity';

type User = PlainRow<UserEntity>;
type Organization = PlainRow<OrganizationEntity>;
type Membership = PlainRow<MembershipEntity>;

/**
 * Per-request loaders. Each answers only what the caller may see, decided in SQL from the
 * memberships table (not from the token, which may be minutes old): one statement per batch.
 * Rows, not managed entities (`selectRows`): what they load only feeds GraphQL types.
 */
export function createLoaders({ em, principal }: Scope) {
  const caller = principal?.kind === 'user' ? principal.sub : null;
  const byId = <T extends { id: string }>(items: T[], ids: readonly string[]) => alignToKeys(ids, items, (i) => i.id).map((i) => i ?? null);

  /** Organizations the caller belongs to. */
  const visibleOrganization = new DataLoader<string, Organization | null>(async (ids) => {
    if (!caller) return ids.map(() => null);
    const found = await selectRows(
      em,
      OrganizationEntity,
      `select o.* from "accounts"."organizations" o
         join "accounts"."memberships" m on m.org_id = o.id and m.user_id = ?
        where o.id in (?)`,
      [caller, ids],
    );
    return byId(found, ids);
  });

  return {
    /** Users the caller may see: itself, and anyone sharing an organization with it. */
    visibleUser: new DataLoader<string, User | null>(async (ids) => {
      if (!caller) return ids.map(() => null);
      const found = await selectRows(
        em,
        UserEntity,
        `select u.* from "accounts"."users" u
          where u.id in (?)
            and (u.id = ? or exists (
              select 1 from "accounts"."memberships" theirs
                join "accounts"."memberships" mine on mine.org_id = theirs.org_id and mine.user_id = ?
               where theirs.user_id = u.id))`,
        [ids, caller, caller],
      );
      return byId(found, ids);
    }),

    /**
     * Any user by id, for the actor of an audit entry: the entry is already tenant-checked, and
     * who acted in an organization stays visible to its admins after the actor has left it.
     */
    userById: new DataLoader<string, UserEntity | null>(async (ids) => byId(await em.find(UserEntity, { id: { $in: [...ids] } }), ids)),

    visibleOrganization,

    /**
     * A user's memberships, limited to organizations the caller also belongs to. Their
     * organizations come in the same statement and prime visibleOrganization (the caller belongs
     * to each of them): `memberships { organization { … } }` costs one statement, not two.
     */
    sharedMemberships: new DataLoader<string, Membership[]>(async (userIds) => {
      if (!caller) return userIds.map(() => []);
      const rows = (await selectRows<MembershipEntity>(
        em,
        MembershipEntity,
        `select m.*, o.name as org_name, o.slug as org_slug, o.created_at as org_created_at
           from "accounts"."memberships" m
           join "accounts"."organizations" o on o.id = m.org_id
          where m.user_id in (?)
            and m.org_id in (select org_id from "accounts"."memberships" where user_id = ?)
          order by m.created_at, m.id`,
        [userIds, caller],
      )) as Array<Membership & { org_name: string; org_slug: string; org_created_at: string }>;
      const memberships = rows.map(({ org_name: name, org_slug: slug, org_created_at: created_at, ...membership }) => {
        visibleOrganization.prime(membership.orgId, toPlainRow(em, OrganizationEntity, { id: membership.orgId, name, slug, created_at }));
        return membership;
      });
      return userIds.map((id) => memberships.filter((m) => m.userId === id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
