import { conflict, connectionFrom, keyset, mutate, pageSize, type Connection, type Scope } from '@lattice/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { PromptEntity, PromptVersionEntity } from '../entities';
import { PROMPT_NAME_UNIQUE } from '../entities/prompt.entity';
import { policy } from '../policy';
import type { CreatePromptInput } from '../schema/create-prompt.input';

/** Prompt and version 1 in one transaction: a failure leaves neither behind. */
export async function createPrompt(scope: Scope, input: CreatePromptInput) {
  const { org, principal } = policy.authorizeOrg(scope.principal, 'prompts:write');
  const createdBy = principal.kind === 'user' ? principal.sub : null;
  const name = input.name.trim();
  try {
    return await mutate(scope, async (tx) => {
      const createdAt = tx.clock.now();
      const prompt = tx.em.create(PromptEntity, { orgId: org, name, description: input.description ?? null, createdBy, createdAt });
      const version = tx.em.create(PromptVersionEntity, { prompt, version: 1, template: input.template, createdBy, createdAt });
      tx.audit({
        action: 'prompt.create',
        target: { type: 'Prompt', id: prompt.id },
        after: { name, description: prompt.description, version: 1, template: input.template },
      });
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

/** Newest first: (created_at, id) descending, the order of the (org_id, created_at desc, id desc) index. */
const PROMPT_CURSOR = keyset(['date', 'uuid']);

/** One page of the active organization's prompts, newest first. */
export async function listPrompts(scope: Scope, args: { first?: number | null; after?: string | null }): Promise<Connection<PromptEntity>> {
  const { org } = policy.authorizeOrg(scope.principal, 'prompts:read');
  const size = pageSize(args.first);
  const after = PROMPT_CURSOR.decode(args.after);
  const qb = scope.em
    .createQueryBuilder(PromptEntity, 'p')
    .select('*')
    .where({ orgId: org, archivedAt: null })
    .orderBy({ createdAt: 'desc', id: 'desc' })
    .limit(size + 1); // one extra row tells whether more follow
  if (after) qb.andWhere('(p.created_at, p.id) < (?, ?)', after);
  return connectionFrom(await qb.getResultList(), size, (p) => PROMPT_CURSOR.encode([p.createdAt, p.id]));
}
