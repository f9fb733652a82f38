import { alignToKeys, memberOrgIds, type Scope } from '@lattice/platform';
import DataLoader from 'dataloader';
import { PromptEntity, PromptVersionEntity } from './entities';

export interface Loaders {
  /** Highest-numbered version of each prompt. Keys are ids of prompts the caller already may see. */
  latestVersion: DataLoader<string, PromptVersionEntity | null>;
  /** Prompts by id, only in organizations the principal is a member of: the tenant guard of __resolveReference. */
  promptById: DataLoader<string, PromptEntity | null>;
}

const byKey = <T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string) => alignToKeys(keys, rows, keyOf).map((r) => r ?? null);

/** Fresh per request: batches and caches for one caller only. */
export const createLoaders = ({ em, principal }: Scope): Loaders => ({
  latestVersion: new DataLoader(async (promptIds) => {
    const rows: Record<string, unknown>[] = await em.getConnection().execute(
      `select distinct on ("prompt_id") *
         from "ai"."prompt_versions"
        where "prompt_id" in (?)
        order by "prompt_id", "version" desc`,
      [[...promptIds]], // an array parameter expands to a quoted list
    );
    const versions = rows.map((row) => em.map(PromptVersionEntity, row));
    return byKey(promptIds, versions, (v) => v.prompt.id);
  }),
  promptById: new DataLoader(async (ids) => {
    const orgs = memberOrgIds(principal);
    if (!orgs.length) return ids.map(() => null);
    const prompts = await em.find(PromptEntity, { id: { $in: [...ids] }, orgId: { $in: orgs } });
    return byKey(ids, prompts, (p) => p.id);
  }),
});
