import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { AuditEntryConnection } from '../schema/audit-entry-connection.type';
import { AuditEntry, AuditLogFilter } from '../schema/audit-entry.type';
import { toAuditEntryConnection, toUser } from '../schema/map';
import { User } from '../schema/user.type';
import { listAuditLog } from '../services/audit.service';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized('audit:read')
  @Query(() => AuditEntryConnection, { description: 'OWNER and ADMIN of the active organization; newest first.' })
  async auditLog(
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null | undefined,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 100; default 20.' }) first: number | null | undefined,
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' }) after: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<AuditEntryConnection> {
    return toAuditEntryConnection(await listAuditLog(ctx.scope, filter, { first, after }));
  }

  @FieldResolver(() => User, { nullable: true })
  async actor(@Root() entry: AuditEntry, @Ctx() ctx: Context): Promise<User | null> {
    if (!entry.actorId) return null;
    const user = await ctx.loaders.userById.load(entry.actorId);
    return user && toUser(user);
  }
}
