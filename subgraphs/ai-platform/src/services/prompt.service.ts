import {
  conflict,
  decodeCursor,
  isId,
  isMemberOf,
  notFound,
  pageSize,
  requireActiveOrg,
  requirePrincipal,
  requireRole,
  type Principal,
} from '@lattice/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PromptEntity, PromptVersionEntity } from '../entities';
import { PROMPT_NAME_UNIQUE } from '../entities/prompt.entity';
import type { Loaders } from '../loaders';
import type { CreatePromptInput } from '../schema/create-prompt.input';

/** Prompt and version 1 in one transaction: a failure leaves neither behind. */
export async function createPrompt(em: EntityManager, principal: Principal | null, input: CreatePromptInput) {
  const { org, principal: p } = requireRole(principal, 'MEMBER');
  const createdBy = p.kind === 'user' ? p.sub : null;
  const name = input.name.trim();
  const createdAt = new Date();
  try {
    return await em.transactional(async (tx) => {
      const prompt = tx.create(PromptEntity, { orgId: org, name, description: input.description ?? null, createdBy, createdAt });
      const version = tx.create(PromptVersionEntity, { prompt, version: 1, template: input.template, createdBy, createdAt });
      tx.persist([prompt, version]);
      return { prompt, version };
    });
  } catch (err) {
    // The unique index decides, so two concurrent creates cannot both win.
    if (err instanceof UniqueConstraintViolationException && (err as { constraint?: string }).constraint === PROMPT_NAME_UNIQUE) {
      throw conflict(`A prompt named "${name}" already exists in this organization`);
    }
    throw err;
  }
}

/** One page of the active organization's prompts, newest first, with one extra row telling whether more follow. */
export async function listPrompts(em: EntityManager, principal: Principal | null, args: { first?: number | null; after?: string | null }) {
  const { org } = requireActiveOrg(principal);
  const size = pageSize(args.first);
  const cursor = decodeCursor(args.after);
  const qb = em
    .createQueryBuilder(PromptEntity, 'p')
    .select('*')
    .where({ orgId: org, archivedAt: null })
    .orderBy({ createdAt: 'desc', id: 'desc' })
    .limit(size + 1);
  // Row comparison matches the (org_id, created_at desc, id desc) index.
  if (cursor) qb.andWhere('(p.created_at, p.id) < (?, ?)', [cursor.createdAt, cursor.id]);
  return { rows: await qb.getResultList(), size };
}

/** An entity reference from the gateway: only prompts of the principal's organizations exist for it. */
export async function findVisiblePrompt(loaders: Loaders, principal: Principal | null, id: unknown): Promise<PromptEntity> {
  const p = requirePrincipal(principal);
  if (!isId(id)) throw notFound('Prompt');
  const prompt = await loaders.promptById.load(id.toLowerCase());
  // The loader already filters by membership; checked again so a loader change cannot leak a tenant's row.
  if (!prompt || !isMemberOf(p, prompt.orgId)) throw notFound('Prompt');
  return prompt;
}
