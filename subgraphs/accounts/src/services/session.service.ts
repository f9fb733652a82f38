import { conflict, mutate, notFound, parseId, unauthenticated, type Scope } from '@lattice/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Deps } from '../context';
import { MembershipEntity } from '../entities/membership.entity';
import { SessionEntity } from '../entities/session.entity';
import { UserEntity } from '../entities/user.entity';
import { policy } from '../policy';
import type { LogInInput, SignUpInput } from '../schema/auth.input';
import { normalizeEmail } from './email';
import { keepProjection, readMemberships } from './membership-projection';
import { hashPassword, hashToken, newRefreshToken, verifyPassword } from './secrets';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: UserEntity;
}

const INVALID_CREDENTIALS = 'Invalid email or password';
const INVALID_REFRESH = 'Invalid or expired refresh token';

const userActor = (id: string) => ({ kind: 'USER' as const, id });
const sessionTarget = (session: SessionEntity) => ({ type: 'Session', id: session.id });

/**
 * Sign a fresh access token for a session. Memberships come from the database at this moment,
 * and an active organization the user has left is dropped.
 */
async function issue({ em }: Scope, deps: Deps, user: UserEntity, session: SessionEntity, refreshToken: string): Promise<Tokens> {
  const projection = (await readMemberships(em, user.id)) ?? { version: 0, memberships: [] };
  // The same read keeps the user's membership projection warm: readers rarely find it missing.
  await keepProjection(deps.memberships, user.id, projection);
  const { memberships } = projection;
  const active = memberships.find((m) => m.org === session.activeOrgId) ?? null;
  const accessToken = await deps.signer.sign({
    sub: user.id,
    sid: session.id,
    org: active?.org ?? null,
    role: active?.role ?? null,
    memberships,
  });
  return { accessToken, refreshToken, user };
}

function openSession(tx: Scope, deps: Deps, userId: string, activeOrgId: string | null) {
  const refreshToken = newRefreshToken();
  const session = tx.em.create(SessionEntity, {
    userId,
    activeOrgId,
    refreshTokenHash: hashToken(refreshToken),
    expiresAt: new Date(tx.clock.now().getTime() + deps.refreshTokenTtlSeconds * 1000),
  });
  return { session, refreshToken };
}

export async function signUp(scope: Scope, deps: Deps, input: SignUpInput): Promise<Tokens> {
  const email = normalizeEmail(input.email);
  // Checked first, before the query and the hash: a refused sign-up costs no argon2.
  await deps.throttle.signUpAttempt(email, scope.request.ip);
  if (await scope.em.count(UserEntity, { email })) throw conflict('An account with this email already exists');
  const name = input.name.trim();
  // Hashed before the transaction opens: no connection is held for the hash's 50 ms.
  const passwordHash = await hashPassword(input.password);
  try {
    const { user, session, refreshToken } = await mutate(scope, async (tx) => {
      const user = tx.em.create(UserEntity, { email, name, passwordHash });
      await tx.em.flush();
      const opened = openSession(tx, deps, user.id, null);
      tx.audit({
        action: 'user.signUp',
        actor: userActor(user.id),
        orgId: null,
        target: { type: 'User', id: user.id },
        after: { email, name, passwordHash },
      });
      return { user, ...opened };
    });
    return await issue(scope, deps, user, session, refreshToken);
  } catch (err) {
    // Two sign-ups racing for one email: the unique index decides.
    if (err instanceof UniqueConstraintViolationException) throw conflict('An account with this email already exists');
    throw err;
  }
}

export async function logIn(scope: Scope, deps: Deps, input: LogInInput): Promise<Tokens> {
  const email = normalizeEmail(input.email);
  // Counted as a failure before the hash, so a refused attempt (a locked email, even with the
  // right password, or an address past its failures) costs no argon2 and parallel ones cannot slip by.
  await deps.throttle.logInAttempt(email, scope.request.ip);
  const user = await scope.em.findOne(UserEntity, { email }, { populate: ['passwordHash'] });
  if (!(await verifyPassword(user?.passwordHash, input.password)) || !user) throw unauthenticated(INVALID_CREDENTIALS);
  await deps.throttle.loggedIn(email, scope.request.ip);
  const { session, refreshToken } = await mutate(scope, async (tx) => {
    const opened = openSession(tx, deps, user.id, user.lastOrgId);
    tx.audit({
      action: 'session.logIn',
      actor: userActor(user.id),
      orgId: user.lastOrgId,
      target: sessionTarget(opened.session),
      after: { activeOrgId: user.lastOrgId },
    });
    return opened;
  });
  return issue(scope, deps, user, session, refreshToken);
}

/**
 * Swap the session's refresh token. The compare-and-swap on the presented hash is what makes
 * two concurrent uses of one token end with exactly one winner.
 */
async function rotate(tx: Scope, deps: Deps, session: SessionEntity, presentedHash: string, changes: Partial<SessionEntity> = {}) {
  const refreshToken = newRefreshToken();
  const now = tx.clock.now();
  const next = {
    ...changes,
    refreshTokenHash: hashToken(refreshToken),
    previousTokenHash: presentedHash,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000),
  };
  const updated = await tx.em.nativeUpdate(SessionEntity, { id: session.id, refreshTokenHash: presentedHash, revokedAt: null }, next);
  if (updated !== 1) throw unauthenticated(INVALID_REFRESH);
  tx.em.assign(session, next);
  return refreshToken;
}

export async function refreshSession(scope: Scope, deps: Deps, token: string): Promise<Tokens> {
  const presented = hashToken(token);
  const session = await scope.em.findOne(SessionEntity, { refreshTokenHash: presented });
  if (!session) {
    await revokeStolen(scope, presented);
    throw unauthenticated(INVALID_REFRESH);
  }
  if (session.revokedAt || session.expiresAt.getTime() <= scope.clock.now().getTime()) throw unauthenticated(INVALID_REFRESH);
  const user = await scope.em.findOneOrFail(UserEntity, { id: session.userId });
  const refreshToken = await mutate(scope, async (tx) => {
    const rotated = await rotate(tx, deps, session, presented);
    tx.audit({ action: 'session.refresh', actor: userActor(user.id), orgId: session.activeOrgId, target: sessionTarget(session) });
    return rotated;
  });
  return issue(scope, deps, user, session, refreshToken);
}

/** A rotated-away token used again means it leaked: end that session for everyone. */
async function revokeStolen(scope: Scope, presentedHash: string) {
  const stolen = await scope.em.findOne(SessionEntity, { previousTokenHash: presentedHash, revokedAt: null });
  if (!stolen) return;
  await mutate(scope, async (tx) => {
    const revokedAt = tx.clock.now();
    const revoked = await tx.em.nativeUpdate(SessionEntity, { id: stolen.id, revokedAt: null }, { revokedAt });
    // A concurrent reuse of the same token revoked it first: nothing written, nothing to audit, and
    // returning would fail the mutation for want of an audit entry (INTERNAL_SERVER_ERROR).
    if (!revoked) throw unauthenticated(INVALID_REFRESH);
    tx.audit({
      action: 'session.revoke',
      actor: userActor(stolen.userId),
      orgId: stolen.activeOrgId,
      target: sessionTarget(stolen),
      before: { revokedAt: null },
      after: { revokedAt: revokedAt.toISOString(), reason: 'refresh token reused' },
    });
  });
}

/** Make another organization the session's active one (membership required). */
export async function switchOrganization(scope: Scope, deps: Deps, organizationId: string): Promise<Tokens> {
  const { principal } = policy.authorize(scope.principal, 'sessions:switch');
  const orgId = parseId(organizationId, ['organizationId']);
  if (!(await scope.em.count(MembershipEntity, { userId: principal.sub, orgId }))) throw notFound('Organization');
  const session = principal.sid
    ? await scope.em.findOne(SessionEntity, { id: principal.sid, userId: principal.sub, revokedAt: null })
    : null;
  if (!session) throw unauthenticated('This session has ended; log in again');
  const user = await scope.em.findOneOrFail(UserEntity, { id: principal.sub });
  const previousOrgId = session.activeOrgId;
  // One transaction: if the rotation loses its race, lastOrgId is not left changed either.
  const refreshToken = await mutate(scope, async (tx) => {
    await tx.em.nativeUpdate(UserEntity, { id: user.id }, { lastOrgId: orgId });
    const rotated = await rotate(tx, deps, session, session.refreshTokenHash, { activeOrgId: orgId });
    tx.audit({
      action: 'session.switchOrganization',
      orgId,
      target: sessionTarget(session),
      before: { activeOrgId: previousOrgId },
      after: { activeOrgId: orgId },
    });
    return rotated;
  });
  user.lastOrgId = orgId;
  return issue(scope, deps, user, session, refreshToken);
}
