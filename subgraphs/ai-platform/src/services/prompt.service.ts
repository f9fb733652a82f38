import {
  conflict,
  connectionFrom,
  keyset,
  mutate,
  pageSize,
  selectRows,
  type Connection,
  type PlainRow,
  type Scope,
} from '@lattice/platform';
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

/**
 * One page of the active organization's prompts, newest first. Plain rows, not entities: the
 * page only feeds GraphQL types, and hydrating 21 entities cost more than the query.
 */
export async function listPrompts(
  scope: Scope,
  args: { first?: number | null; after?: string | null },
): Promise<Connection<PlainRow<PromptEntity>>> {
  const { org } = policy.authorizeOrg(scope.principal, 'prompts:read');
  const size = pageSize(args.first);
  const after = PROMPT_CURSOR.decode(args.after);
  const rows = await selectRows(
    scope.em,
    PromptEntity,
    `select * from "ai"."prompts"
      where "org_id" = ? and "archived_at" is null${after ? ' and ("created_at", "id") < (?, ?)' : ''}
      order by "created_at" desc, "id" desc
      limit ?`,
    [org, ...(after ?? []), size + 1], // one extra row tells whether more follow
  );
  return connectionFrom(rows, size, (p) => PROMPT_CURSOR.encode([p.createdAt, p.id]));
}
