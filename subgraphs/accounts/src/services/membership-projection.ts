import {
  withDeadline,
  isId,
  PRINCIPAL_HEADER,
  verifyPrincipal,
  writeMembershipProjection,
  type DomainEvent,
  type EventHandler,
  type Logger,
  type MembershipProjection,
  type OrgRole,
  type Redis,
  type Scope,
  type SubgraphRuntime,
} from '@lattice/platform';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Request, Response } from 'express';

/**
 * The membership projection (platform `memberships.ts`) is accounts' to write: after every commit
 * that changes a user's memberships, on log-in and refresh, and on request from a reader that
 * found it missing (`/internal/memberships/:userId`).
 */
export interface MembershipProjector {
  orm: MikroORM;
  redis: Redis;
  prefix: string;
  logger: Logger;
}

export const membershipProjector = (runtime: Pick<SubgraphRuntime, 'orm' | 'redis' | 'config' | 'logger'>): MembershipProjector => ({
  orm: runtime.orm,
  redis: runtime.redis,
  prefix: runtime.config.REDIS_PREFIX,
  logger: runtime.logger,
});

/** Outbox topic of a membership change: accounts' own consumer rewrites the projection, should the write after the commit have failed. */
export const MEMBERSHIPS_CHANGED = 'memberships.changed';
export const MEMBERSHIPS_GROUP = 'accounts.memberships';

/** A user's memberships (oldest first) and their version, in one statement, so one snapshot. Null: no such user. */
export async function readMemberships(em: EntityManager, userId: string): Promise<MembershipProjection | null> {
  const rows = await em.getConnection().execute<Array<{ version: number; org_id: string | null; role: OrgRole | null }>>(
    `select u."memberships_version" as "version", m."org_id", m."role"
       from "accounts"."users" u
       left join "accounts"."memberships" m on m."user_id" = u."id"
      where u."id" = ?
      order by m."created_at", m."id"`,
    [userId],
  );
  if (!rows.length) return null;
  return {
    version: Number(rows[0]!.version),
    memberships: rows.flatMap((r) => (r.org_id && r.role ? [{ org: r.org_id, role: r.role }] : [])),
  };
}

/**
 * Read the user's memberships from the database and store them in Redis (unless a newer version
 * is there already). Returns what the database says; throws when Redis does not take it.
 */
export async function projectMemberships(
  projector: MembershipProjector,
  userId: string,
  em: EntityManager = projector.orm.em.fork(),
): Promise<MembershipProjection | null> {
  const projection = await readMemberships(em, userId);
  if (projection) await writeMembershipProjection(projector.redis, projector.prefix, userId, projection);
  return projection;
}

/**
 * Store a projection just read (log-in, refresh), best effort: a Redis that fails or does not
 * answer within a second is logged, and the reader that misses it has it rebuilt.
 */
export async function keepProjection(projector: MembershipProjector, userId: string, projection: MembershipProjection): Promise<void> {
  try {
    await withDeadline(writeMembershipProjection(projector.redis, projector.prefix, userId, projection), 1000, 'Redis');
  } catch (err) {
    projector.logger.warn({ err, userId }, 'membership projection not written');
  }
}

/**
 * Every write that adds, removes or changes a membership calls this inside its `mutate`, once per
 * user affected: the version moves on (and the user's row stays locked until the commit, so two
 * changes of one user's memberships commit one after the other), the projection is written
 * right after the commit and before the mutation answers, and an outbox event has accounts'
 * consumer write it again should that fail.
 */
export async function membershipsChanged(tx: Scope, projector: MembershipProjector, userId: string): Promise<void> {
  await tx.em.execute(`update "accounts"."users" set "memberships_version" = "memberships_version" + 1 where "id" = ?`, [userId], 'run');
  tx.outbox.add(MEMBERSHIPS_CHANGED, { userId });
  tx.afterCommit(async () => {
    const projection = await readMemberships(projector.orm.em.fork(), userId);
    if (projection) await keepProjection(projector, userId, projection);
  });
}

/** The consumer of `memberships.changed`: a failure (Redis down) leaves the event to be retried. */
export const projectOnChange =
  (projector: MembershipProjector): EventHandler =>
  async (event) => {
    const { userId } = (event as DomainEvent<{ userId: string }>).payload;
    await projectMemberships(projector, userId);
  };

/**
 * `GET /internal/memberships/:userId`, for a reader that found the projection missing (the
 * gateway): rebuilt from the database, stored, returned. Service principals only.
 */
export const membershipsEndpoint =
  (projector: MembershipProjector, secret: string) =>
  async (req: Request, res: Response): Promise<void> => {
    const token = req.headers[PRINCIPAL_HEADER];
    const principal = typeof token === 'string' ? await verifyPrincipal(token, secret) : null;
    if (principal?.kind !== 'service') {
      res.status(401).json({ error: 'a service principal token is required' });
      return;
    }
    const userId = req.params.userId;
    if (!isId(userId)) {
      res.status(400).json({ error: 'userId must be a UUID' });
      return;
    }
    try {
      // A user that does not exist (any more) belongs to nothing; nothing is stored for it.
      const projection = (await projectMemberships(projector, userId.toLowerCase())) ?? { version: 0, memberships: [] };
      res.json(projection);
    } catch (err) {
      projector.logger.error({ err, userId }, 'membership projection not rebuilt');
      res.status(503).json({ error: 'membership projection unavailable' });
    }
  };
