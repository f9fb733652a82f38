import { conflict, notFound, parseId, requireUser, unauthenticated, type Principal } from '@lattice/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Deps } from '../context';
import { MembershipEntity } from '../entities/membership.entity';
import { SessionEntity } from '../entities/session.entity';
import { UserEntity } from '../entities/user.entity';
import type { LogInInput, SignUpInput } from '../schema/auth.input';
import { hashPassword, hashToken, newRefreshToken, verifyPassword } from './secrets';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: UserEntity;
}

const INVALID_CREDENTIALS = 'Invalid email or password';
const INVALID_REFRESH = 'Invalid or expired refresh token';
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Sign a fresh access token for a session. Memberships come from the database at this moment,
 * and an active organization the user has left is dropped.
 */
async function issue(em: EntityManager, deps: Deps, user: UserEntity, session: SessionEntity, refreshToken: string): Promise<Tokens> {
  const memberships = await em.find(MembershipEntity, { userId: user.id }, { orderBy: { createdAt: 'asc' } });
  const active = memberships.find((m) => m.orgId === session.activeOrgId) ?? null;
  const accessToken = await deps.signer.sign({
    sub: user.id,
    sid: session.id,
    org: active?.orgId ?? null,
    role: active?.role ?? null,
    memberships: memberships.map((m) => ({ org: m.orgId, role: m.role })),
  });
  return { accessToken, refreshToken, user };
}

function openSession(em: EntityManager, deps: Deps, userId: string, activeOrgId: string | null) {
  const refreshToken = newRefreshToken();
  const session = em.create(SessionEntity, {
    userId,
    activeOrgId,
    refreshTokenHash: hashToken(refreshToken),
    expiresAt: new Date(Date.now() + deps.refreshTokenTtlSeconds * 1000),
  });
  return { session, refreshToken };
}

export async function signUp(em: EntityManager, deps: Deps, input: SignUpInput): Promise<Tokens> {
  const email = normalizeEmail(input.email);
  if (await em.count(UserEntity, { email })) throw conflict('An account with this email already exists');
  const passwordHash = await hashPassword(input.password);
  try {
    // One transaction, user first: the session row references it.
    const { user, session, refreshToken } = await em.transactional(async (tx) => {
      const user = tx.create(UserEntity, { email, name: input.name.trim(), passwordHash });
      await tx.flush();
      return { user, ...openSession(tx, deps, user.id, null) };
    });
    return issue(em, deps, user, session, refreshToken);
  } catch (err) {
    // Two sign-ups racing for one email: the unique index decides.
    if (err instanceof UniqueConstraintViolationException) throw conflict('An account with this email already exists');
    throw err;
  }
}

export async function logIn(em: EntityManager, deps: Deps, input: LogInInput): Promise<Tokens> {
  const user = await em.findOne(UserEntity, { email: normalizeEmail(input.email) }, { populate: ['passwordHash'] });
  if (!(await verifyPassword(user?.passwordHash, input.password)) || !user) throw unauthenticated(INVALID_CREDENTIALS);
  const { session, refreshToken } = openSession(em, deps, user.id, user.lastOrgId);
  await em.flush();
  return issue(em, deps, user, session, refreshToken);
}

/** Swap the session's refresh token; a concurrent use of the same token loses the race. */
async function rotate(em: EntityManager, deps: Deps, session: SessionEntity, presentedHash: string, changes: Partial<SessionEntity> = {}) {
  const refreshToken = newRefreshToken();
  const now = new Date();
  const next = {
    ...changes,
    refreshTokenHash: hashToken(refreshToken),
    previousTokenHash: presentedHash,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000),
  };
  const updated = await em.nativeUpdate(SessionEntity, { id: session.id, refreshTokenHash: presentedHash, revokedAt: null }, next);
  if (updated !== 1) throw unauthenticated(INVALID_REFRESH);
  em.assign(session, next);
  return refreshToken;
}

export async function refreshSession(em: EntityManager, deps: Deps, token: string): Promise<Tokens> {
  const presented = hashToken(token);
  const session = await em.findOne(SessionEntity, { refreshTokenHash: presented });
  if (!session) {
    // A rotated-away token used again means it leaked: end that session for everyone.
    await em.nativeUpdate(SessionEntity, { previousTokenHash: presented, revokedAt: null }, { revokedAt: new Date() });
    throw unauthenticated(INVALID_REFRESH);
  }
  if (session.revokedAt || session.expiresAt.getTime() <= Date.now()) throw unauthenticated(INVALID_REFRESH);
  const user = await em.findOneOrFail(UserEntity, { id: session.userId });
  const refreshToken = await rotate(em, deps, session, presented);
  return issue(em, deps, user, session, refreshToken);
}

/** Make another organization the session's active one (membership required). */
export async function switchOrganization(em: EntityManager, deps: Deps, principal: Principal | null, organizationId: string): Promise<Tokens> {
  const p = requireUser(principal);
  const orgId = parseId(organizationId, ['organizationId']);
  if (!(await em.count(MembershipEntity, { userId: p.sub, orgId }))) throw notFound('Organization');
  const session = p.sid ? await em.findOne(SessionEntity, { id: p.sid, userId: p.sub, revokedAt: null }) : null;
  if (!session) throw unauthenticated('This session has ended; log in again');
  const user = await em.findOneOrFail(UserEntity, { id: p.sub });
  user.lastOrgId = orgId;
  await em.flush();
  const refreshToken = await rotate(em, deps, session, session.refreshTokenHash, { activeOrgId: orgId });
  return issue(em, deps, user, session, refreshToken);
}
