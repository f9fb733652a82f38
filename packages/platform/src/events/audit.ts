import type { Principal } from '../principal';

export const ACTOR_KINDS = ['USER', 'API_KEY', 'SERVICE'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Payload of `audit.recorded`: one mutation, as the audit log stores it. */
export interface AuditRecorded {
  action: string;
  actorKind: ActorKind;
  actorId: string | null;
  orgId: string | null;
  targetType: string;
  targetId: string | null;
  /** { field: { before, after } } of the fields that changed, secrets redacted; null when none. */
  changes: Record<string, { before: unknown; after: unknown }> | null;
  requestId: string | null;
  ip: string | null;
  at: string;
}

/** What a service says of its write; the boundary adds actor, organization, request and time. */
export interface AuditInput {
  /** `<thing>.<verb>`, e.g. `prompt.create`. */
  action: string;
  target: { type: string; id: string | null };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** When the caller is not (yet) the principal: signUp, logIn, refreshSession. */
  actor?: { kind: ActorKind; id: string | null };
  /** When the write is not in the active organization (createOrganization: the new one). */
  orgId?: string | null;
}

export const REDACTED = '[redacted]';
const SECRET = /password|secret|token|hash|key/i;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Fields whose value differs between before and after; secrets keep their name but never their value. */
export function diffChanges(before: Record<string, unknown> | null | undefined, after: Record<string, unknown> | null | undefined) {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const field of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    const b = before?.[field] ?? null;
    const a = after?.[field] ?? null;
    if (same(a, b)) continue;
    changes[field] = SECRET.test(field)
      ? { before: b === null ? null : REDACTED, after: a === null ? null : REDACTED }
      : { before: b, after: a };
  }
  return Object.keys(changes).length ? changes : null;
}

const KIND: Record<Principal['kind'], ActorKind> = { user: 'USER', apiKey: 'API_KEY', service: 'SERVICE' };

export function actorOf(principal: Principal | null): { kind: ActorKind; id: string | null } {
  // Anonymous writes (signUp, logIn) name their actor; anything else anonymous is a bug.
  if (!principal) throw new Error('An anonymous write must name its audit actor');
  return { kind: KIND[principal.kind], id: principal.kind === 'service' ? null : principal.sub };
}
